package proxy

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"
)

// testCA is a throwaway certificate authority.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newTestCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return &testCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue returns a PEM certificate and key signed by ca, for a server (with
// 127.0.0.1 in its SANs) or a client named cn.
func (ca *testCA) issue(t *testing.T, cn string, server bool) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	require.NoError(t, err)
	kb, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})
}

// Users the fake API server knows.
const (
	goodToken    = "s3cr3t-t0ken-value"
	browserToken = "br0wser-t0ken-value"
	execToken    = "ex3c-plugin-t0ken"
	certUser     = "cert-user"
)

// fakeAPI is an API server stand-in: TLS with ca, bearer tokens and client
// certificates, the WebSocket rules of a real kube-apiserver (Origin
// required, at most one subprotocol), a list, a chunked watch and a
// WebSocket watch that echoes what it receives.
type fakeAPI struct {
	srv     *httptest.Server
	ca      *testCA
	release chan struct{} // closed by a test to let the HTTP watch go on
	// upgrades counts every WebSocket upgrade that reached the fake, before any check.
	upgrades atomic.Int64
}

func newFakeAPI(t *testing.T) *fakeAPI {
	t.Helper()
	ca := newTestCA(t, "fake-apiserver-ca")
	certPEM, keyPEM := ca.issue(t, "apiserver", true)
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	f := &fakeAPI{ca: ca, release: make(chan struct{})}
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	f.srv.TLS = &tls.Config{Certificates: []tls.Certificate{pair}, ClientCAs: pool, ClientAuth: tls.VerifyClientCertIfGiven}
	f.srv.StartTLS()
	t.Cleanup(f.srv.Close)
	return f
}

// user authenticates r as the API server does: a client certificate first,
// then a bearer token. "" means unauthenticated.
func user(r *http.Request) string {
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		return r.TLS.PeerCertificates[0].Subject.CommonName
	}
	switch strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ") {
	case goodToken:
		return "token-user"
	case browserToken:
		return "browser-user"
	case execToken:
		return "exec-user"
	}
	return ""
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		f.upgrades.Add(1)
	}
	u := user(r)
	if u == "" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}`)
		return
	}
	w.Header().Set("X-User", u)
	switch {
	case strings.EqualFold(r.Header.Get("Upgrade"), "websocket"):
		f.serveWatchWS(w, r, u)
	case r.URL.Query().Get("watch") != "":
		f.serveWatchHTTP(w, r)
	default:
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"kind": "ConfigMapList", "user": u, "path": r.URL.Path, "query": r.URL.RawQuery,
			"cookie": r.Header.Get("Cookie")})
	}
}

// serveWatchHTTP streams ADDED, then holds the stream open until release
// is closed, then sends MODIFIED and DELETED and ends.
func (f *fakeAPI) serveWatchHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	fl := w.(http.Flusher)
	for i, typ := range []string{"ADDED", "MODIFIED", "DELETED"} {
		fmt.Fprintf(w, `{"type":%q,"object":{"metadata":{"name":"cm","resourceVersion":"%d"}}}`+"\n", typ, i+1)
		fl.Flush()
		if i == 0 {
			select {
			case <-r.Context().Done():
				return
			case <-f.release:
			}
		}
	}
}

// serveWatchWS applies the API server's handshake rules, echoes the
// negotiated subprotocol and the user, echoes every client message with its
// type, and closes with 4001 "bye" when the client sends "close".
func (f *fakeAPI) serveWatchWS(w http.ResponseWriter, r *http.Request, u string) {
	if r.Header.Get("Origin") == "" {
		http.Error(w, "origin required", http.StatusForbidden)
		return
	}
	var protos []string
	for _, v := range r.Header.Values("Sec-WebSocket-Protocol") {
		for p := range strings.SplitSeq(v, ",") {
			protos = append(protos, strings.TrimSpace(p))
		}
	}
	if len(protos) > 1 {
		http.Error(w, "too many subprotocols", http.StatusBadRequest)
		return
	}
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: protos, InsecureSkipVerify: true})
	if err != nil {
		return
	}
	defer conn.CloseNow()
	ctx := r.Context()
	hello := fmt.Sprintf(`{"type":"ADDED","object":{"user":%q,"origin":%q,"protocol":%q}}`, u, r.Header.Get("Origin"), conn.Subprotocol())
	if conn.Write(ctx, websocket.MessageText, []byte(hello)) != nil {
		return
	}
	for {
		typ, data, err := conn.Read(ctx)
		if err != nil {
			return
		}
		if string(data) == "close" {
			_ = conn.Close(4001, "bye")
			return
		}
		if conn.Write(ctx, typ, data) != nil {
			return
		}
	}
}

// kubeconfig writes a kubeconfig for f into dir with one context per way of
// authenticating, and returns its path.
func (f *fakeAPI) kubeconfig(t *testing.T, dir string) string {
	t.Helper()
	write := func(name string, data []byte, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, data, mode))
		return p
	}
	write("ca.crt", f.ca.pem, 0o600)
	other := newTestCA(t, "some-other-ca")
	write("other-ca.crt", other.pem, 0o600)
	certPEM, keyPEM := f.ca.issue(t, certUser, false)
	write("client.crt", certPEM, 0o600)
	write("client.key", keyPEM, 0o600)
	write("token", []byte(goodToken+"\n"), 0o600)
	plugin := write("plugin.sh", []byte("#!/bin/sh\ncat <<EOF\n"+
		`{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"`+execToken+`"}}`+
		"\nEOF\n"), 0o700)
	cfg := fmt.Sprintf(`apiVersion: v1
kind: Config
current-context: token
clusters:
- name: fake
  cluster: {server: %[1]q, certificate-authority: ca.crt}
- name: fake-wrong-ca
  cluster: {server: %[1]q, certificate-authority: other-ca.crt}
- name: fake-insecure
  cluster: {server: %[1]q, insecure-skip-tls-verify: true}
users:
- {name: token, user: {token: %[2]q}}
- {name: tokenfile, user: {tokenFile: token}}
- {name: cert, user: {client-certificate: client.crt, client-key: client.key}}
- {name: none, user: {}}
- name: exec
  user:
    exec: {apiVersion: client.authentication.k8s.io/v1, command: %[3]q, interactiveMode: Never}
- {name: missing-cert, user: {client-certificate: nope.crt, client-key: nope.key}}
contexts:
- {name: token, context: {cluster: fake, user: token}}
- {name: tokenfile, context: {cluster: fake, user: tokenfile}}
- {name: cert, context: {cluster: fake, user: cert}}
- {name: exec, context: {cluster: fake, user: exec}}
- {name: anonymous, context: {cluster: fake, user: none}}
- {name: wrong-ca, context: {cluster: fake-wrong-ca, user: token}}
- {name: insecure, context: {cluster: fake-insecure, user: token}}
- {name: broken, context: {cluster: fake, user: missing-cert}}
`, f.srv.URL, goodToken, plugin)
	return write("kubeconfig", []byte(cfg), 0o600)
}
