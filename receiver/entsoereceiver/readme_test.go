package entsoereceiver

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ecotel/ecotel/internal/gridzone"
)

// TestREADMEDocumentsEveryField keeps README.md truthful: every field of the
// receiver's own configuration, and every supported zone, is listed.
func TestREADMEDocumentsEveryField(t *testing.T) {
	b, err := os.ReadFile("README.md")
	require.NoError(t, err)
	readme := string(b)
	for _, path := range configPaths(reflect.TypeOf(Config{}), "") {
		assert.True(t, strings.Contains(readme, "`"+path), "README.md does not document %s", path)
	}
	for _, z := range gridzone.All() {
		assert.True(t, strings.Contains(readme, z.Code), "README.md does not list zone %s", z.Code)
	}
}

// configPaths lists the dotted mapstructure paths of the receiver's own
// fields; embedded collector settings (squashed) are documented upstream.
func configPaths(t reflect.Type, prefix string) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("mapstructure"), ",")[0]
		if tag == "" || tag == "-" || !f.IsExported() {
			continue
		}
		path := prefix + tag
		ft := f.Type
		switch {
		case ft.Kind() == reflect.Struct && ft.PkgPath() == t.PkgPath():
			out = append(out, configPaths(ft, path+".")...)
		case ft.Kind() == reflect.Map && ft.Elem().Kind() == reflect.Struct && ft.Elem().PkgPath() == t.PkgPath():
			out = append(out, configPaths(ft.Elem(), path+".<zone>.")...)
		default:
			out = append(out, path)
		}
	}
	return out
}
