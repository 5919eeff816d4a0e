package gridzone

import (
	"sort"
	"strings"
)

// cloudRegions maps a provider (the cloud.provider attribute's value) and a
// region (cloud.region, the provider's own spelling) to the bidding zone of
// the data centre's location. Locations are the providers' published region
// locations; a region is listed only where its data centres sit in one
// bidding zone.
var cloudRegions = map[string]map[string]string{
	"aws": {
		"eu-central-1": "DE-LU",    // Frankfurt
		"eu-central-2": "CH",       // Zurich
		"eu-west-1":    "IE-SEM",   // Ireland
		"eu-west-2":    "GB",       // London
		"eu-west-3":    "FR",       // Paris
		"eu-north-1":   "SE-3",     // Stockholm
		"eu-south-1":   "IT-North", // Milan
		"eu-south-2":   "ES",       // Aragón
	},
	"gcp": {
		"europe-central2":   "PL",       // Warsaw
		"europe-north1":     "FI",       // Hamina
		"europe-north2":     "SE-3",     // Stockholm
		"europe-southwest1": "ES",       // Madrid
		"europe-west1":      "BE",       // St. Ghislain
		"europe-west2":      "GB",       // London
		"europe-west3":      "DE-LU",    // Frankfurt
		"europe-west4":      "NL",       // Eemshaven
		"europe-west6":      "CH",       // Zurich
		"europe-west8":      "IT-North", // Milan
		"europe-west9":      "FR",       // Paris
		"europe-west10":     "DE-LU",    // Berlin
		"europe-west12":     "IT-North", // Turin
	},
	"azure": {
		"francecentral":      "FR",       // Paris
		"francesouth":        "FR",       // Marseille
		"germanywestcentral": "DE-LU",    // Frankfurt
		"germanynorth":       "DE-LU",    // Berlin
		"italynorth":         "IT-North", // Milan
		"northeurope":        "IE-SEM",   // Ireland
		"norwayeast":         "NO-1",     // Oslo
		"norwaywest":         "NO-2",     // Stavanger
		"polandcentral":      "PL",       // Warsaw
		"spaincentral":       "ES",       // Madrid
		"swedencentral":      "SE-3",     // Gävle
		"switzerlandnorth":   "CH",       // Zurich
		"switzerlandwest":    "CH",       // Geneva
		"uksouth":            "GB",       // London
		"ukwest":             "GB",       // Cardiff
		"westeurope":         "NL",       // Netherlands
	},
	// OVHcloud region names carry an instance number (GRA11, SBG5, DE1);
	// lookups strip trailing digits.
	"ovhcloud": {
		"gra":         "FR",    // Gravelines
		"rbx":         "FR",    // Roubaix
		"sbg":         "FR",    // Strasbourg
		"eu-west-par": "FR",    // Paris (3-AZ)
		"par":         "FR",    // Paris
		"de":          "DE-LU", // Frankfurt
		"uk":          "GB",    // London
		"waw":         "PL",    // Warsaw
	},
	"scaleway": {
		"fr-par": "FR", // Paris
		"nl-ams": "NL", // Amsterdam
		"pl-waw": "PL", // Warsaw
	},
	"hetzner": {
		"fsn1": "DE-LU", // Falkenstein
		"nbg1": "DE-LU", // Nuremberg
		"hel1": "FI",    // Helsinki
	},
}

// providerAliases accept the spellings seen in node labels and tools.
var providerAliases = map[string]string{
	"amazon": "aws", "google": "gcp", "gce": "gcp", "microsoft": "azure",
	"ovh": "ovhcloud", "scw": "scaleway",
}

// FromCloudRegion returns the bidding zone a provider's region draws power
// from. Provider and region are matched case-insensitively; Azure display
// names with spaces ("France Central") and OVHcloud instance numbers
// ("GRA11") are accepted.
func FromCloudRegion(provider, region string) (Zone, bool) {
	p := strings.ToLower(strings.TrimSpace(provider))
	if a, ok := providerAliases[p]; ok {
		p = a
	}
	regions, ok := cloudRegions[p]
	if !ok {
		return Zone{}, false
	}
	r := strings.ToLower(strings.TrimSpace(region))
	if p == "azure" {
		r = strings.ReplaceAll(r, " ", "")
	}
	code, ok := regions[r]
	if !ok && p == "ovhcloud" {
		code, ok = regions[strings.TrimRight(r, "0123456789")]
	}
	if !ok {
		return Zone{}, false
	}
	return byCode[strings.ToUpper(code)], true
}

// CloudRegion is one row of the cloud-region table.
type CloudRegion struct {
	Provider, Region, Zone string
}

// CloudRegions returns the whole table, sorted, for documentation.
func CloudRegions() []CloudRegion {
	var out []CloudRegion
	for p, regions := range cloudRegions {
		for r, z := range regions {
			out = append(out, CloudRegion{p, r, z})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Provider != out[j].Provider {
			return out[i].Provider < out[j].Provider
		}
		return out[i].Region < out[j].Region
	})
	return out
}
