package main

import (
	"bufio"
	"errors"
	"fmt"
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
//
// The first interrupt is sent once step 1 is reported, so that it lands
// in step 2 (hundreds of milliseconds at least). A trainer that stopped at a step
// boundary before the second one arrived did what it should; that try
// proves nothing and is run again.
func TestASecondInterruptQuitsAtOnce(t *testing.T) {
	if os.Getenv("ARENA_TRAINER_MAIN") != "" {
		os.Args = append([]string{"arena-trainer"}, strings.Fields(os.Getenv("ARENA_TRAINER_MAIN"))...)
		main()
		return
	}
	var why []string
	for range 3 {
		killed, err := interruptTwice()
		if err != nil {
			t.Fatal(err)
		}
		if killed == "" {
			return
		}
		why = append(why, killed)
	}
	t.Fatalf("after a second interrupt the trainer was not killed by it, three times: %s", strings.Join(why, "; "))
}

// interruptTwice runs the trainer, interrupts it twice, and returns ""
// when the second interrupt killed it, or how it ended otherwise; err is
// for a trainer that did not behave at all as it should.
func interruptTwice() (otherwise string, err error) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestASecondInterruptQuitsAtOnce$")
	cmd.Env = append(os.Environ(), "ARENA_TRAINER_MAIN=bench -batch 8 -steps 1000 -warmup 0 -threads 1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return "", err
	}
	if err := cmd.Start(); err != nil {
		return "", err
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
	next := func(want string) error {
		timeout := time.After(2 * time.Minute)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					return fmt.Errorf("the trainer ended without saying %q", want)
				}
				if strings.Contains(l, want) {
					return nil
				}
			case <-timeout:
				return fmt.Errorf("the trainer did not say %q within 2 minutes", want)
			}
		}
	}
	if err := next("step 1:"); err != nil {
		return "", err
	}
	cmd.Process.Signal(os.Interrupt)
	// Said before the trainer exits, even when it stops at once.
	if err := next("interrupt again to quit now"); err != nil {
		return "", err
	}
	cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.Sys().(syscall.WaitStatus).Signal() == syscall.SIGINT {
			return "", nil
		}
		return fmt.Sprintf("ended with %v", err), nil
	case <-time.After(2 * time.Minute):
		return "", errors.New("the trainer went on for 2 minutes after a second interrupt")
	}
}
