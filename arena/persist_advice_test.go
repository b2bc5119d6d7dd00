package arena

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"syscall"
	"testing"
)

// TestPersistAdviceNamesTheCause: a node that cannot write its state
// file stops (it must not serve a state the log has moved past); its last
// words say what to do, in the cases an operator meets.
func TestPersistAdviceNamesTheCause(t *testing.T) {
	path := "/var/lib/arena/state.db"
	wrap := func(errno syscall.Errno) error {
		return fmt.Errorf("commit: %w", &fs.PathError{Op: "write", Path: path, Err: errno})
	}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{wrap(syscall.ENOSPC), "the disk (or quota) holding /var/lib/arena is full"},
		{wrap(syscall.EDQUOT), "is full"},
		{wrap(syscall.EROFS), "became read-only"},
		{wrap(syscall.EIO), "reported an I/O error"},
		{errors.New("something else"), "fix the cause above"},
	} {
		got := persistAdvice(tc.err, path)
		if !strings.Contains(got, tc.want) || !strings.Contains(got, "restart the node") || !strings.Contains(got, "no acknowledged write is lost") {
			t.Errorf("%v: %q, want it to say %q and how a restart recovers", tc.err, got, tc.want)
		}
	}
}
