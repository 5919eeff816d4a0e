package k8sapi

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestAPIConfigValidate(t *testing.T) {
	cases := map[string]struct {
		cfg  APIConfig
		want string
	}{
		"service account": {APIConfig{AuthType: AuthTypeServiceAccount}, ""},
		"kubeconfig":      {APIConfig{AuthType: AuthTypeKubeConfig, Context: "kind", KubeconfigPath: "/k"}, ""},
		"empty":           {APIConfig{}, "auth_type is required"},
		"unknown":         {APIConfig{AuthType: "tls"}, `auth_type "tls" is not supported`},
		"context misused": {APIConfig{AuthType: AuthTypeServiceAccount, Context: "x"}, "apply to auth_type \"kubeConfig\" only"},
	}
	for name, tc := range cases {
		err := tc.cfg.Validate()
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: got %v, want %q", name, err, tc.want)
		}
	}
	if _, err := (APIConfig{AuthType: AuthTypeKubeConfig, KubeconfigPath: filepath.Join(t.TempDir(), "none")}).RESTConfig("test"); err == nil {
		t.Error("missing kubeconfig accepted")
	}
}
