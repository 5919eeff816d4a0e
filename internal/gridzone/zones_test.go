package gridzone

import (
	"strings"
	"testing"
	"time"
)

func TestLookup(t *testing.T) {
	for in, want := range map[string]string{
		"FR": "FR", "fr": "FR", "DE-LU": "DE-LU", "de_lu": "DE-LU", "SE3": "SE-3", "SE-SE3": "SE-3",
		"NO-NO5": "NO-5", "dk-dk1": "DK-1", "it-north": "IT-North", "10YFI-1--------U": "FI",
		" 10Y1001A1001A82H ": "DE-LU", "IE-SEM": "IE-SEM",
	} {
		z, err := Lookup(in)
		if err != nil || z.Code != want {
			t.Errorf("Lookup(%q) = %q, %v; want %q", in, z.Code, err, want)
		}
	}
}

func TestLookupTraps(t *testing.T) {
	for in, want := range map[string]string{
		"DE":               `"DE-LU"`,
		"LU":               `use "DE-LU"`,
		"IE":               `"IE-SEM"`,
		"SE":               "SE-1, SE-2, SE-3 or SE-4",
		"10Y1001A1001A83F": `"DE-LU"`,
		"10YLU-CEGEDEL-NQ": "control area",
		"Atlantis":         "unknown bidding zone",
	} {
		_, err := Lookup(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Lookup(%q) error = %v, want it to mention %s", in, err, want)
		}
	}
}

func TestTableIsConsistent(t *testing.T) {
	seen := map[string]bool{}
	for _, z := range zones {
		if seen[z.Code] || seen[z.EIC] {
			t.Errorf("duplicate code or EIC in %+v", z)
		}
		seen[z.Code], seen[z.EIC] = true, true
		if len(z.EIC) != 16 {
			t.Errorf("%s: EIC %q is not 16 characters", z.Code, z.EIC)
		}
		if _, err := time.LoadLocation(z.TimeZone); err != nil {
			t.Errorf("%s: time zone %q: %v", z.Code, z.TimeZone, err)
		}
		if got, err := Lookup(z.Code); err != nil || got != z {
			t.Errorf("Lookup(%q) = %+v, %v", z.Code, got, err)
		}
	}
	if len(zones) < 40 {
		t.Errorf("only %d zones; the reference lists about 42", len(zones))
	}
	for _, r := range CloudRegions() {
		if _, ok := byCode[strings.ToUpper(r.Zone)]; !ok {
			t.Errorf("cloud region %s/%s maps to unknown zone %q", r.Provider, r.Region, r.Zone)
		}
	}
}

func TestFromCloudRegion(t *testing.T) {
	cases := []struct{ provider, region, want string }{
		{"aws", "eu-west-3", "FR"},
		{"AWS", "eu-central-1", "DE-LU"},
		{"gcp", "europe-west3", "DE-LU"},
		{"azure", "France Central", "FR"},
		{"azure", "swedencentral", "SE-3"},
		{"ovh", "GRA11", "FR"},
		{"hetzner", "hel1", "FI"},
		{"scaleway", "nl-ams", "NL"},
	}
	for _, c := range cases {
		z, ok := FromCloudRegion(c.provider, c.region)
		if !ok || z.Code != c.want {
			t.Errorf("FromCloudRegion(%q, %q) = %q, %v; want %q", c.provider, c.region, z.Code, ok, c.want)
		}
	}
	if _, ok := FromCloudRegion("aws", "us-east-1"); ok {
		t.Error("us-east-1 is outside ENTSO-E and must not resolve")
	}
	if _, ok := FromCloudRegion("digitalocean", "ams3"); ok {
		t.Error("unknown provider must not resolve")
	}
}

func FuzzLookup(f *testing.F) {
	for _, s := range []string{"FR", "SE-SE3", "10YFR-RTE------C", "de_lu", "", "ÅÄÖ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		z, err := Lookup(s)
		if err == nil && (z.Code == "" || z.EIC == "") {
			t.Fatalf("Lookup(%q) succeeded with an empty zone", s)
		}
		FromCloudRegion(s, s)
	})
}
