package catalog

import (
	_ "embed"
	"fmt"
)

// BuiltinName names the embedded catalog in messages and rule origins.
const BuiltinName = "built-in catalog"

//go:embed builtin.yaml
var builtinYAML []byte

// BuiltinYAML returns the embedded default catalog as written, for
// documentation and for operators who want a starting point.
func BuiltinYAML() []byte { return append([]byte(nil), builtinYAML...) }

// Builtin returns the parsed embedded default catalog. Its validity is
// checked by the package tests, so an error here is a build defect.
func Builtin() *File {
	f, err := Parse(builtinYAML)
	if err != nil {
		panic(fmt.Sprintf("the embedded %s is invalid: %v", BuiltinName, err))
	}
	return f
}
