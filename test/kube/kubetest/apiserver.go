// Package kubetest runs a real kube-apiserver for tests: in-process, backed
// by an embedded etcd server, with no kubelet, scheduler or controllers. Tests
// get a client, its rest.Config and a kubeconfig file for components that are
// configured with one (the hardwarecatalog receiver, kube-controller-manager,
// a metrics adapter, …).
//
// Start compiles in all of k8s.io/kubernetes: the first build takes minutes
// (about 6 on 2 cores), later ones seconds. API servers in one test binary
// share process-global state (feature gates), so tests using Start must not
// run in parallel.
package kubetest

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"k8s.io/apiserver/pkg/storage/etcd3/testserver"
	"k8s.io/apiserver/pkg/storage/storagebackend"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	kubeapiservertesting "k8s.io/kubernetes/cmd/kube-apiserver/app/testing"
)

// APIServer is a running kube-apiserver.
type APIServer struct {
	// Config is a client configuration with cluster-admin rights.
	Config *rest.Config
	// Client is a clientset built from Config.
	Client kubernetes.Interface
	// Kubeconfig is the path of a kubeconfig file for Config (context
	// "kubetest"), in the test's temporary directory.
	Kubeconfig string
}

// Options tune Start.
type Options struct {
	// ExtraFlags are appended to the kube-apiserver flags.
	ExtraFlags []string
}

// Start runs an embedded etcd and a kube-apiserver for the test; both stop
// when the test ends. Two admission plugins are disabled because nothing in
// the test would complete their work: ServiceAccount (no token controller:
// pods could not be created) and TaintNodesByCondition (no node lifecycle
// controller: every Node would stay tainted not-ready).
func Start(t testing.TB, opts Options) *APIServer {
	t.Helper()
	etcdConfig := testserver.NewTestConfig(t)
	testserver.RunEtcd(t, etcdConfig)

	storage := storagebackend.NewDefaultConfig("/"+filepath.Base(t.TempDir())+"/registry", nil)
	storage.Transport.ServerList = []string{etcdConfig.ListenClientUrls[0].String()}

	flags := append([]string{
		"--endpoint-reconciler-type=none",
		"--disable-admission-plugins=ServiceAccount,TaintNodesByCondition",
	}, opts.ExtraFlags...)
	started := time.Now()
	srv := kubeapiservertesting.StartTestServerOrDie(t, nil, flags, storage)
	t.Cleanup(srv.TearDownFn)
	t.Logf("kube-apiserver ready in %s at %s", time.Since(started).Round(time.Millisecond), srv.ClientConfig.Host)

	cfg := rest.CopyConfig(srv.ClientConfig)
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatalf("kubetest: client: %v", err)
	}
	return &APIServer{Config: cfg, Client: client, Kubeconfig: WriteKubeconfig(t, cfg)}
}

// WriteKubeconfig writes a kubeconfig file for cfg (bearer token or client
// certificate, CA data, TLS server name) into the test's temporary directory
// and returns its path.
func WriteKubeconfig(t testing.TB, cfg *rest.Config) string {
	t.Helper()
	kc := clientcmdapi.NewConfig()
	kc.Clusters["kubetest"] = &clientcmdapi.Cluster{
		Server:                   cfg.Host,
		CertificateAuthorityData: cfg.CAData,
		TLSServerName:            cfg.ServerName,
		InsecureSkipTLSVerify:    cfg.Insecure,
	}
	kc.AuthInfos["kubetest"] = &clientcmdapi.AuthInfo{
		Token:                 cfg.BearerToken,
		ClientCertificateData: cfg.CertData,
		ClientKeyData:         cfg.KeyData,
	}
	kc.Contexts["kubetest"] = &clientcmdapi.Context{Cluster: "kubetest", AuthInfo: "kubetest"}
	kc.CurrentContext = "kubetest"
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		t.Fatalf("kubetest: write kubeconfig: %v", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatalf("kubetest: %v", err)
	}
	return path
}
