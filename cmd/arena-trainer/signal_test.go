package main

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestASecondInterruptQuitsAtOnce: the first Ctrl-C lets the step in
// progress finish (at a large preset, minutes on a CPU) and says so; a
// second one quits at once, as it does in a PyTorch or llm.c script,
// instead of being swallowed.
func TestASecondInterruptQuitsAtOnce(t *testing.T) {
	if os.Getenv("ARENA_TRAINER_MAIN") != "" {
		os.Args = append([]string{"arena-trainer"}, strings.Fields(os.Getenv("ARENA_TRAINER_MAIN"))...)
		main()
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestASecondInterruptQuitsAtOnce$")
	// A step of this size takes seconds, far longer than the test needs
	// to send both signals.
	cmd.Env = append(os.Environ(), "ARENA_TRAINER_MAIN=bench -batch 64 -steps 1000 -warmup 0 -threads 1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	next := func(want string) {
		t.Helper()
		timeout := time.After(2 * time.Minute)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("the trainer ended without saying %q", want)
				}
				if strings.Contains(l, want) {
					return
				}
			case <-timeout:
				t.Fatalf("the trainer did not say %q within 2 minutes", want)
			}
		}
	}
	done := make(chan error, 1)
	next("benchmarking cpu") // the signal handler is in place by now
	cmd.Process.Signal(os.Interrupt)
	next("interrupt again to quit now")
	cmd.Process.Signal(os.Interrupt)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGINT {
			t.Fatalf("after the second interrupt the trainer ended with %v, want killed by it", err)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("the trainer went on after a second interrupt")
	}
}
