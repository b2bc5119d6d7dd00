package chaos

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/agentarena/arena/client"
	"github.com/agentarena/arena/internal/loopport"
)

// Proc is one node process. Its ports and data dir stay fixed across
// restarts, as a real member's would.
type Proc struct {
	ID       string
	HTTPPort int
	// RaftPort is where the node listens for Raft; ProxyPort is where its
	// fault proxy listens and what the node advertises, so every peer
	// reaches it through the proxy.
	RaftPort  int
	ProxyPort int
	Dir       string
	LogPath   string

	mu     sync.Mutex
	cmd    *exec.Cmd
	done   chan struct{}
	exit   error
	paused bool
}

// URL is the node's HTTP base URL.
func (p *Proc) URL() string { return "http://127.0.0.1:" + strconv.Itoa(p.HTTPPort) }

// Running reports whether the process is alive (paused counts as alive).
func (p *Proc) Running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done == nil {
		return false
	}
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// Paused reports whether the process is stopped with SIGSTOP.
func (p *Proc) Paused() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.paused
}

// Procs starts and signals the node processes of one cluster.
type Procs struct {
	Bin   string
	Token string
	// Args are added to every serve command line.
	Args  []string
	Nodes []*Proc
}

// NewProcs lays out n nodes under root. With portBase 0 every port is a
// free one below the kernel's ephemeral range (see loopport); otherwise node i (from 0) gets HTTP port
// portBase+i, Raft port portBase+n+i and proxy port portBase+2n+i, so a
// run's ports are known in advance (firewalls, a second run beside it).
func NewProcs(bin, root, token string, n, portBase int, args []string) (*Procs, error) {
	ps := &Procs{Bin: bin, Token: token, Args: args}
	pp := loopport.NewPicker()
	for i := 0; i < n; i++ {
		ports := [3]int{portBase + i, portBase + n + i, portBase + 2*n + i}
		if portBase == 0 {
			for k := range ports {
				p, err := pp.Pick()
				if err != nil {
					return nil, err
				}
				ports[k] = p
			}
		}
		id := fmt.Sprintf("n%d", i+1)
		ps.Nodes = append(ps.Nodes, &Proc{ID: id, HTTPPort: ports[0], RaftPort: ports[1], ProxyPort: ports[2],
			Dir: filepath.Join(root, id), LogPath: filepath.Join(root, id+".log")})
	}
	return ps, nil
}

// PID is the node's process id, 0 when it does not run.
func (p *Proc) PID() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil || p.cmd.Process == nil {
		return 0
	}
	select {
	case <-p.done:
		return 0
	default:
		return p.cmd.Process.Pid
	}
}

// Start launches node i. join is the URL of a member to join ("" for the
// first start of the bootstrapping node).
func (ps *Procs) Start(i int, join string, noBots bool) error {
	p := ps.Nodes[i]
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done != nil {
		select {
		case <-p.done:
		default:
			return fmt.Errorf("%s is already running", p.ID)
		}
	}
	args := []string{"serve", "--node-id", p.ID,
		"--http-addr", "127.0.0.1:" + strconv.Itoa(p.HTTPPort),
		"--raft-addr", "127.0.0.1:" + strconv.Itoa(p.RaftPort),
		"--raft-advertise", "127.0.0.1:" + strconv.Itoa(p.ProxyPort),
		"--data-dir", p.Dir, "--operator-token", ps.Token, "--log-level", "warn"}
	if join != "" {
		args = append(args, "--join", join)
	}
	if noBots {
		args = append(args, "--no-bots")
	}
	args = append(args, ps.Args...)
	logf, err := os.OpenFile(p.LogPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("open node log: %w", err)
	}
	fmt.Fprintf(logf, "\n=== %s start %v\n", time.Now().Format(time.RFC3339Nano), args)
	cmd := exec.Command(ps.Bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Keep the operator's environment from changing the node's flags.
	cmd.Env = cleanEnv()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("start %s: %w", p.ID, err)
	}
	done := make(chan struct{})
	p.cmd, p.done, p.exit, p.paused = cmd, done, nil, false
	go func() {
		err := cmd.Wait()
		logf.Close()
		p.mu.Lock()
		p.exit = err
		p.mu.Unlock()
		close(done)
	}()
	return nil
}

func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if len(kv) >= 6 && kv[:6] == "ARENA_" {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// Kill sends SIGKILL and waits for the process to go.
func (ps *Procs) Kill(i int) error {
	_, err := ps.signalAndWait(i, syscall.SIGKILL, 0)
	return err
}

// Stop sends SIGTERM and waits up to deadline for the node to exit. One
// that has not exited by then is made to write its goroutines to its log
// (SIGQUIT) and then killed. It returns how long the node took to exit
// after SIGTERM and whether it overran the deadline.
func (ps *Procs) Stop(i int, deadline time.Duration) (took time.Duration, hung bool, err error) {
	start := time.Now()
	hung, err = ps.signalAndWait(i, syscall.SIGTERM, deadline)
	return time.Since(start), hung, err
}

func (ps *Procs) signalAndWait(i int, sig syscall.Signal, grace time.Duration) (hung bool, err error) {
	p := ps.Nodes[i]
	p.mu.Lock()
	cmd, done, paused := p.cmd, p.done, p.paused
	p.mu.Unlock()
	if done == nil {
		return false, nil
	}
	select {
	case <-done:
		return false, nil
	default:
	}
	if paused && sig != syscall.SIGKILL {
		_ = cmd.Process.Signal(syscall.SIGCONT)
	}
	if err := cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return false, fmt.Errorf("signal %s: %w", p.ID, err)
	}
	if sig != syscall.SIGKILL {
		select {
		case <-done:
		case <-time.After(grace):
			hung = true
			_ = cmd.Process.Signal(syscall.SIGQUIT)
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				_ = cmd.Process.Signal(syscall.SIGKILL)
			}
		}
	}
	<-done
	p.mu.Lock()
	p.paused = false
	p.mu.Unlock()
	return hung, nil
}

// Pause stops node i with SIGSTOP; it keeps its sockets but answers nothing.
func (ps *Procs) Pause(i int) error {
	p := ps.Nodes[i]
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return fmt.Errorf("%s is not running", p.ID)
	}
	if err := p.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		return fmt.Errorf("pause %s: %w", p.ID, err)
	}
	p.paused = true
	return nil
}

// Resume continues a paused node with SIGCONT.
func (ps *Procs) Resume(i int) error {
	p := ps.Nodes[i]
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil || !p.paused {
		return nil
	}
	p.paused = false
	if err := p.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		return fmt.Errorf("resume %s: %w", p.ID, err)
	}
	return nil
}

// Dump asks node i for a goroutine dump (SIGQUIT: the Go runtime writes
// every stack to the node's log and exits), to see why it hangs.
func (ps *Procs) Dump(i int) error {
	p := ps.Nodes[i]
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return nil
	}
	if p.paused {
		_ = p.cmd.Process.Signal(syscall.SIGCONT)
	}
	return p.cmd.Process.Signal(syscall.SIGQUIT)
}

// Wipe deletes node i's data dir; the node must be stopped.
func (ps *Procs) Wipe(i int) error {
	if ps.Nodes[i].Running() {
		return fmt.Errorf("%s is running", ps.Nodes[i].ID)
	}
	return os.RemoveAll(ps.Nodes[i].Dir)
}

// Exited returns the exit error of a node that died on its own, if any.
func (p *Proc) Exited() (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done == nil {
		return false, nil
	}
	select {
	case <-p.done:
		return true, p.exit
	default:
		return false, nil
	}
}

// Close kills every node.
func (ps *Procs) Close() {
	for i := range ps.Nodes {
		_ = ps.Kill(i)
	}
}

// WaitHealthy waits until node i answers /healthz.
func (ps *Procs) WaitHealthy(ctx context.Context, i int) error {
	p := ps.Nodes[i]
	c, err := client.New(p.URL(), client.WithHTTPClient(&http.Client{Timeout: 2 * time.Second}), client.WithNotLeaderRetry(0, 0))
	if err != nil {
		return err
	}
	for {
		if dead, err := p.Exited(); dead {
			return fmt.Errorf("%s exited: %v (log: %s)", p.ID, err, p.LogPath)
		}
		if c.Health(ctx) == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not healthy: %w", p.ID, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
