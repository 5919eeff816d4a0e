// Package k8sapi is how ecotel's components reach the Kubernetes API: the
// auth_type / kubeconfig_path / context settings shared with contrib's
// Kubernetes components (whose k8sconfig package is internal to contrib), and
// the client configuration they produce.
package k8sapi

import (
	"errors"
	"fmt"
	"net"
	"os"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// Authentication types, as in the contrib receivers' auth_type.
const (
	AuthTypeServiceAccount = "serviceAccount"
	AuthTypeKubeConfig     = "kubeConfig"
	AuthTypeNone           = "none"
)

// APIConfig says how to reach the Kubernetes API. Its fields are squashed
// into the receiver's config, like contrib's k8sconfig.APIConfig.
type APIConfig struct {
	// AuthType is serviceAccount (in-cluster), kubeConfig (a kubeconfig
	// file) or none (in-cluster address, no credentials).
	AuthType string `mapstructure:"auth_type"`
	// Context selects a kubeconfig context (kubeConfig only; default: the
	// current context).
	Context string `mapstructure:"context"`
	// KubeconfigPath is the kubeconfig file (kubeConfig only; default:
	// $KUBECONFIG, then ~/.kube/config).
	KubeconfigPath string `mapstructure:"kubeconfig_path"`
}

// Validate checks the auth type.
func (c APIConfig) Validate() error {
	switch c.AuthType {
	case AuthTypeServiceAccount, AuthTypeNone:
		if c.Context != "" || c.KubeconfigPath != "" {
			return fmt.Errorf("context and kubeconfig_path apply to auth_type %q only (remove them, or set auth_type: %s)", AuthTypeKubeConfig, AuthTypeKubeConfig)
		}
		return nil
	case AuthTypeKubeConfig:
		return nil
	case "":
		return fmt.Errorf("auth_type is required: %s (in a pod), %s (a kubeconfig file) or %s", AuthTypeServiceAccount, AuthTypeKubeConfig, AuthTypeNone)
	default:
		return fmt.Errorf("auth_type %q is not supported (use %s, %s or %s)", c.AuthType, AuthTypeServiceAccount, AuthTypeKubeConfig, AuthTypeNone)
	}
}

// RESTConfig builds the client configuration; userAgent names the component
// in the API server's audit log (e.g. "otelcol-eco/hardwarecatalog").
func (c APIConfig) RESTConfig(userAgent string) (*rest.Config, error) {
	var cfg *rest.Config
	var err error
	switch c.AuthType {
	case AuthTypeServiceAccount:
		cfg, err = rest.InClusterConfig()
		if err != nil {
			return nil, fmt.Errorf("auth_type %s: %w (run in a pod with a service account, or use auth_type: %s)", c.AuthType, err, AuthTypeKubeConfig)
		}
	case AuthTypeKubeConfig:
		rules := clientcmd.NewDefaultClientConfigLoadingRules()
		if c.KubeconfigPath != "" {
			rules.ExplicitPath = c.KubeconfigPath
		}
		cfg, err = clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: c.Context}).ClientConfig()
		if err != nil {
			return nil, fmt.Errorf("auth_type %s: %w", c.AuthType, err)
		}
	case AuthTypeNone:
		host, port := os.Getenv("KUBERNETES_SERVICE_HOST"), os.Getenv("KUBERNETES_SERVICE_PORT")
		if host == "" || port == "" {
			return nil, errors.New("auth_type none: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set (run in a pod)")
		}
		cfg = &rest.Config{Host: "https://" + net.JoinHostPort(host, port), TLSClientConfig: rest.TLSClientConfig{CAFile: "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"}}
	default:
		return nil, c.Validate()
	}
	cfg.UserAgent = userAgent
	return cfg, nil
}
