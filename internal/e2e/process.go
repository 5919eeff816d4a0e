package e2e

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Process is a subprocess whose output goes to a log file in the test's
// temporary directory and is printed when the test fails.
type Process struct {
	Name    string
	LogPath string
	// StopGrace is how long Stop waits after SIGTERM before SIGKILL
	// (10 s unless changed).
	StopGrace time.Duration
	cmd       *exec.Cmd
	done      chan struct{}
	waitErr   error
}

// StartProcess starts bin with args and env additions, and stops it (SIGTERM,
// then SIGKILL after 10 s) when the test ends.
func StartProcess(t testing.TB, name, bin string, args, env []string) *Process {
	t.Helper()
	return StartProcessIn(t, "", name, bin, args, env)
}

// StartProcessIn is StartProcess with the working directory dir ("" for the
// test's own).
func StartProcessIn(t testing.TB, dir, name, bin string, args, env []string) *Process {
	t.Helper()
	p, err := Start(dir, name, bin, args, env, filepath.Join(t.TempDir(), name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("---- %s log (last 60 lines of %s) ----\n%s", name, p.LogPath, p.Tail(60))
		}
	})
	return p
}

// Start starts bin outside a test (the scale benchmark's driver): its
// output goes to logPath, and the caller stops it.
func Start(dir, name, bin string, args, env []string, logPath string) (*Process, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s (%s): %w", name, bin, err)
	}
	p := &Process{Name: name, LogPath: logPath, StopGrace: 10 * time.Second, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		logFile.Close()
		close(p.done)
	}()
	return p, nil
}

// Pid is the process's id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Stop terminates the process (SIGTERM to its process group, SIGKILL after
// StopGrace) and waits for it; calling it twice is harmless.
func (p *Process) Stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(p.StopGrace):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

// Exited reports whether the process has ended, and its error.
func (p *Process) Exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.waitErr
	default:
		return false, nil
	}
}

// Log returns the whole log so far.
func (p *Process) Log() string {
	b, _ := os.ReadFile(p.LogPath)
	return string(b)
}

// Tail returns the last n lines of the log.
func (p *Process) Tail(n int) string { return lastLines(p.Log(), n) }

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// FreeEndpoint returns "127.0.0.1:<free port>".
func FreeEndpoint(t testing.TB) string {
	return "127.0.0.1:" + strconv.Itoa(FreePort(t))
}

// WaitUntil polls cond every 100 ms until it returns nil or timeout passes,
// failing the test with cond's last error. It also fails early when one of
// the watched processes exits.
func WaitUntil(t testing.TB, timeout time.Duration, what string, cond func() error, watch ...*Process) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last error
	for {
		if last = cond(); last == nil {
			return
		}
		for _, p := range watch {
			if exited, err := p.Exited(); exited {
				t.Fatalf("%s exited (%v) while waiting for %s; last error: %v\n%s", p.Name, err, what, last, p.Tail(40))
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s: %v", timeout, what, last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// RepoRoot returns the root of the ecotel repository (the directory holding
// the root go.mod), found by walking up from the working directory.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.Contains(string(b), "module github.com/ecotel/ecotel\n") {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("ecotel repository root (go.mod of github.com/ecotel/ecotel) not found above the working directory")
		}
		dir = parent
	}
}

// LookBinary resolves a binary from an environment variable override, then
// a path relative to the repository root, then PATH, with a message that says
// how to get it.
func LookBinary(t testing.TB, envVar, repoRelative, pathName, howToGet string) string {
	t.Helper()
	if v := os.Getenv(envVar); v != "" {
		return v
	}
	if repoRelative != "" {
		p := filepath.Join(RepoRoot(t), repoRelative)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if pathName != "" {
		if p, err := exec.LookPath(pathName); err == nil {
			return p
		}
	}
	t.Fatalf("%s not found (set %s, or %s)", firstNonEmpty(pathName, repoRelative), envVar, howToGet)
	return ""
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

var errNotReady = errors.New("not ready")

func httpReady(url string) error {
	resp, err := httpClient.Get(url)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%w: %s answered %s", errNotReady, url, resp.Status)
	}
	return nil
}
