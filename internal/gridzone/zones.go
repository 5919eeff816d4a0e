// Package gridzone knows Europe's electricity bidding zones — their short
// codes, ENTSO-E EIC codes and time zones — and which bidding zone common
// cloud regions draw their power from. The entsoe receiver resolves its
// configured zones here; the hardwarecatalog receiver resolves a node's zone
// from its cloud region here, so both agree on one spelling of every zone
// (the value of the eco.grid.zone.code attribute).
package gridzone

import (
	"fmt"
	"sort"
	"strings"
)

// Zone is one bidding zone.
type Zone struct {
	// Code is ecotel's canonical short code (e.g. "FR", "DE-LU", "SE-3").
	Code string
	// EIC is the ENTSO-E Energy Identification Code used to query the zone.
	EIC string
	// Name is a human-readable name.
	Name string
	// TimeZone is the IANA time zone the zone's market days follow.
	TimeZone string
}

// zones: the bidding zones of the ENTSO-E Transparency Platform that ecotel
// supports. Codes and EICs as in entsoe-py's Area enum and Electricity Maps'
// ENTSOE_DOMAIN_MAPPINGS, which agree on every row (see
// shared/reference/entsoe-api.md §4).
var zones = []Zone{
	{"AT", "10YAT-APG------L", "Austria", "Europe/Vienna"},
	{"BE", "10YBE----------2", "Belgium", "Europe/Brussels"},
	{"BG", "10YCA-BULGARIA-R", "Bulgaria", "Europe/Sofia"},
	{"CH", "10YCH-SWISSGRIDZ", "Switzerland", "Europe/Zurich"},
	{"CZ", "10YCZ-CEPS-----N", "Czechia", "Europe/Prague"},
	{"DE-LU", "10Y1001A1001A82H", "Germany and Luxembourg", "Europe/Berlin"},
	{"DK-1", "10YDK-1--------W", "Denmark West (DK1)", "Europe/Copenhagen"},
	{"DK-2", "10YDK-2--------M", "Denmark East (DK2)", "Europe/Copenhagen"},
	{"EE", "10Y1001A1001A39I", "Estonia", "Europe/Tallinn"},
	{"ES", "10YES-REE------0", "Spain", "Europe/Madrid"},
	{"FI", "10YFI-1--------U", "Finland", "Europe/Helsinki"},
	{"FR", "10YFR-RTE------C", "France", "Europe/Paris"},
	{"GB", "10YGB----------A", "Great Britain", "Europe/London"},
	{"GR", "10YGR-HTSO-----Y", "Greece", "Europe/Athens"},
	{"HR", "10YHR-HEP------M", "Croatia", "Europe/Zagreb"},
	{"HU", "10YHU-MAVIR----U", "Hungary", "Europe/Budapest"},
	{"IE-SEM", "10Y1001A1001A59C", "Ireland and Northern Ireland (SEM)", "Europe/Dublin"},
	{"IT-Calabria", "10Y1001C--00096J", "Italy Calabria", "Europe/Rome"},
	{"IT-Centre-North", "10Y1001A1001A70O", "Italy Centre-North", "Europe/Rome"},
	{"IT-Centre-South", "10Y1001A1001A71M", "Italy Centre-South", "Europe/Rome"},
	{"IT-North", "10Y1001A1001A73I", "Italy North", "Europe/Rome"},
	{"IT-Sardinia", "10Y1001A1001A74G", "Italy Sardinia", "Europe/Rome"},
	{"IT-Sicily", "10Y1001A1001A75E", "Italy Sicily", "Europe/Rome"},
	{"IT-South", "10Y1001A1001A788", "Italy South", "Europe/Rome"},
	{"LT", "10YLT-1001A0008Q", "Lithuania", "Europe/Vilnius"},
	{"LV", "10YLV-1001A00074", "Latvia", "Europe/Riga"},
	{"NL", "10YNL----------L", "Netherlands", "Europe/Amsterdam"},
	{"NO-1", "10YNO-1--------2", "Norway South-East (NO1)", "Europe/Oslo"},
	{"NO-2", "10YNO-2--------T", "Norway South-West (NO2)", "Europe/Oslo"},
	{"NO-3", "10YNO-3--------J", "Norway Central (NO3)", "Europe/Oslo"},
	{"NO-4", "10YNO-4--------9", "Norway North (NO4)", "Europe/Oslo"},
	{"NO-5", "10Y1001A1001A48H", "Norway West (NO5)", "Europe/Oslo"},
	{"PL", "10YPL-AREA-----S", "Poland", "Europe/Warsaw"},
	{"PT", "10YPT-REN------W", "Portugal", "Europe/Lisbon"},
	{"RO", "10YRO-TEL------P", "Romania", "Europe/Bucharest"},
	{"RS", "10YCS-SERBIATSOV", "Serbia", "Europe/Belgrade"},
	{"SE-1", "10Y1001A1001A44P", "Sweden North (SE1)", "Europe/Stockholm"},
	{"SE-2", "10Y1001A1001A45N", "Sweden North-Central (SE2)", "Europe/Stockholm"},
	{"SE-3", "10Y1001A1001A46L", "Sweden South-Central (SE3)", "Europe/Stockholm"},
	{"SE-4", "10Y1001A1001A47J", "Sweden South (SE4)", "Europe/Stockholm"},
	{"SI", "10YSI-ELES-----O", "Slovenia", "Europe/Ljubljana"},
	{"SK", "10YSK-SEPS-----K", "Slovakia", "Europe/Bratislava"},
}

// traps are codes people write that are not bidding zones, with the fix.
var traps = map[string]string{
	"DE":       `"DE" is a country, not a bidding zone: Germany trades in the joint bidding zone "DE-LU" (EIC 10Y1001A1001A82H)`,
	"LU":       `Luxembourg has no bidding zone of its own: use "DE-LU" (its generation is only published for the LU control area 10YLU-CEGEDEL-NQ, which is not a bidding zone)`,
	"DE-AT-LU": `"DE-AT-LU" was split on 2018-10-01: use "DE-LU" or "AT"`,
	"IE":       `"IE" (10YIE-1001A00010) is a control area; Ireland's bidding zone is "IE-SEM"`,
	"IT":       `Italy has several bidding zones: use one of IT-North, IT-Centre-North, IT-Centre-South, IT-South, IT-Sicily, IT-Sardinia, IT-Calabria`,
	"SE":       `Sweden has four bidding zones: use SE-1, SE-2, SE-3 or SE-4`,
	"NO":       `Norway has five bidding zones: use NO-1 … NO-5`,
	"DK":       `Denmark has two bidding zones: use DK-1 (west) or DK-2 (east)`,
}

// trapEICs are EICs that look right but are not bidding zones.
var trapEICs = map[string]string{
	"10Y1001A1001A83F": "DE",
	"10YLU-CEGEDEL-NQ": "LU",
	"10Y1001A1001A63L": "DE-AT-LU",
	"10YIE-1001A00010": "IE",
}

var byCode, byEIC = func() (map[string]Zone, map[string]Zone) {
	c, e := make(map[string]Zone, len(zones)), make(map[string]Zone, len(zones))
	for _, z := range zones {
		c[strings.ToUpper(z.Code)] = z
		e[z.EIC] = z
	}
	return c, e
}()

// All returns every known bidding zone, sorted by code.
func All() []Zone {
	out := append([]Zone(nil), zones...)
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// ByEIC returns the zone with the given EIC code.
func ByEIC(eic string) (Zone, bool) {
	z, ok := byEIC[strings.TrimSpace(eic)]
	return z, ok
}

// Lookup resolves a zone written as ecotel's short code (case-insensitive,
// e.g. "FR", "de-lu", "SE-3"), a common variant ("SE3", "SE_3", "SE-SE3",
// "NO-NO5", "DK-DK1", "DE_LU") or an EIC code. Codes that are not bidding
// zones (DE, LU, IE, a whole country with several zones) get an error that
// says which zone to use.
func Lookup(s string) (Zone, error) {
	s = strings.TrimSpace(s)
	if z, ok := byEIC[s]; ok {
		return z, nil
	}
	if code, ok := trapEICs[s]; ok {
		return Zone{}, fmt.Errorf("EIC %s: %s", s, traps[code])
	}
	norm := normalize(s)
	if z, ok := byCode[norm]; ok {
		return z, nil
	}
	if hint, ok := traps[norm]; ok {
		return Zone{}, fmt.Errorf("unknown bidding zone %q: %s", s, hint)
	}
	return Zone{}, fmt.Errorf("unknown bidding zone %q (use a code such as FR, DE-LU, SE-3 or an ENTSO-E EIC code; see docs for the list)", s)
}

// normalize maps the spellings in circulation to ecotel's canonical upper-case
// code: underscores become dashes, a repeated country prefix is dropped
// ("SE-SE3" → "SE-3", Electricity Maps' style), and a digit glued to the
// country gets its dash ("SE3" → "SE-3").
func normalize(s string) string {
	u := strings.ToUpper(strings.ReplaceAll(s, "_", "-"))
	if len(u) >= 5 && u[2] == '-' && u[:2] == u[3:5] {
		u = u[:3] + u[5:]
	}
	if len(u) == 3 && u[2] >= '0' && u[2] <= '9' {
		u = u[:2] + "-" + u[2:]
	}
	return u
}
