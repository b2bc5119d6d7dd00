package chaos

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
)

// Build compiles the arena server from the module at moduleDir into
// outDir and returns the binary's path.
func Build(ctx context.Context, moduleDir, outDir string) (string, error) {
	bin := filepath.Join(outDir, "arena")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/arena")
	cmd.Dir = moduleDir
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build arena: %w\n%s", err, out)
	}
	return bin, nil
}
