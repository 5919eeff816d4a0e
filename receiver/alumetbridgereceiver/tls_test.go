package alumetbridgereceiver

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configtls"
	"go.opentelemetry.io/otel/attribute"

	"github.com/ecotel/ecotel/pkg/alumetrelay"
)

// selfSignedCert writes a certificate and key for 127.0.0.1 and returns
// their paths and a pool trusting the certificate.
func selfSignedCert(t *testing.T) (certPath, keyPath string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ecotel-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certPath, keyPath = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certPath, keyPath, pool
}

func TestRelayOverTLS(t *testing.T) {
	certPath, keyPath, pool := selfSignedCert(t)
	r := startReceiver(t, func(c *Config) {
		var tc configtls.ServerConfig
		tc.CertFile, tc.KeyFile = certPath, keyPath
		c.Relay.Get().TLS = configoptional.Some(tc)
	})
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", r.relay.addr(), &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := &relayClient{t: t, name: "node-tls", conn: conn, br: bufio.NewReader(conn)}
	if !c.greet(2).Accept {
		t.Fatal("refused")
	}
	c.register()
	c.send(raplTotal("platform_total", 1, 7))
	waitFor(t, "energy over TLS", func() bool { return r.latest(t)["hw.host.energy{node-tls/|platform_total}"] == 7 })

	// A plain-TCP client cannot talk to a TLS relay: its Greet is not a
	// TLS handshake; the server answers with an alert and closes.
	plain := dial(t, r, "node-plain")
	plain.write(alumetrelay.AppendGreet(nil, "node-plain", alumetrelay.Greet{ProtocolVersion: 2}))
	_ = plain.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = io.ReadAll(plain.br)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("a plain client's connection to the TLS relay was left open")
	}
	waitFor(t, "plain connection refused", func() bool {
		return r.relay.open.Load() == 1 && r.counter(t, "receiver_alumetbridge_connections_refused", attribute.String("reason", "tls")) == 1
	})
}
