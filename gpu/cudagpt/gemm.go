//go:build cuda

package cudagpt

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
)

// gemmVariant is one TF32 gemm kernel of gpu/kernels/gpt/gemm.cuh and
// its launch geometry: grid (ceil(N/tileN), ceil(M/tileM)), threads a
// block.
type gemmVariant struct {
	name         string
	tileM, tileN int
	threads      int
	vec          bool // 16-byte loads: operands and leading dimensions aligned to 4 floats
}

// tf32Variants give bit-identical results (gemm.cuh: the same
// accumulation order), so choosing among them changes speed only.
var tf32Variants = []gemmVariant{
	{"gemm_tf32", 64, 64, 128, false},
	{"gemm_tf32_big", 128, 128, 256, false},
	{"gemm_tf32_db", 128, 128, 256, false},
	{"gemm_tf32_db_v", 128, 128, 256, true},
	{"gemm_tf32_db_v2", 128, 128, 256, true},
	{"gemm_tf32_dbw_v", 128, 128, 128, true},
	{"gemm_tf32_db64_v", 64, 128, 128, true},
}

// GemmVariants names the TF32 gemm kernels Gemm chooses among.
func GemmVariants() []string {
	names := make([]string, len(tf32Variants))
	for i, v := range tf32Variants {
		names[i] = v.name
	}
	return names
}

// gemmKey is what the choice of a variant depends on.
type gemmKey struct {
	transA, transB bool
	M, N, K        int
	vec            bool
}

func (g gemmKey) String() string {
	t := func(b bool) string {
		if b {
			return "T"
		}
		return "N"
	}
	return fmt.Sprintf("%s%s %dx%dx%d", t(g.transA), t(g.transB), g.M, g.N, g.K)
}

// gemmChooser picks a TF32 variant per product shape: the first product
// of a shape times every variant that applies (a few launches each, into
// C itself when beta is 0, which the real launch then overwrites, else
// into scratch) and keeps the fastest, as cuBLASLt's heuristics and
// Triton's autotuner do. Off on the emulator, whose timings mean
// nothing, and with ARENA_CUDA_GEMM_TUNE=0; then a fixed rule applies.
type gemmChooser struct {
	tune   bool
	forced string
	chosen map[gemmKey]int // index into tf32Variants
}

func (g *gemmChooser) init(d *Device) {
	g.chosen = make(map[gemmKey]int)
	g.tune = !strings.Contains(d.name, "emulator") && os.Getenv("ARENA_CUDA_GEMM_TUNE") != "0"
}

// SetGemmVariant makes Gemm use the named TF32 variant (for tests and
// benchmarks; a variant with 16-byte loads applies only where the
// operands allow it, elsewhere the usual choice does); "" restores the
// usual choice.
func (k *Kernels) SetGemmVariant(name string) error {
	if name != "" && !slices.Contains(GemmVariants(), name) {
		return fmt.Errorf("cudagpt: no gemm variant %q (have %v)", name, GemmVariants())
	}
	if name != "" && !k.hasTF32 {
		return fmt.Errorf("cudagpt: gemm variant %s needs compute capability 8.0, %s has %d.%d", name, k.d.name, k.d.major, k.d.minor)
	}
	k.gemm.forced = name
	return nil
}

// GemmChoices reports the variant chosen for each product shape seen so
// far, e.g. "NT 8192x2304x768" → "gemm_tf32_db_v".
func (k *Kernels) GemmChoices() map[string]string {
	out := make(map[string]string, len(k.gemm.chosen))
	for key, i := range k.gemm.chosen {
		out[key.String()] = tf32Variants[i].name
	}
	return out
}

// Gemm is C = alpha·op(A)·op(B) + beta·C with gonum's Sgemm semantics,
// row-major with leading dimensions (gpu/gpt's sgemm). beta 0 overwrites C
// without reading it.
func (k *Kernels) Gemm(transA, transB bool, M, N, K int, alpha float32, A Ptr, lda int, B Ptr, ldb int, beta float32, C Ptr, ldc int) error {
	const op = "Gemm"
	colsA, colsB := K, N // the stored widths of A and B
	if transA {
		colsA = M
	}
	if transB {
		colsB = K
	}
	if err := check(op, []int{M, N, K},
		cond(lda >= max(1, colsA), "lda %d < %d", lda, colsA),
		cond(ldb >= max(1, colsB), "ldb %d < %d", ldb, colsB),
		cond(ldc >= max(1, N), "ldc %d < %d", ldc, N),
		cond((M+gemmTile-1)/gemmTile <= maxGridYZ, "M %d too large", M)); err != nil {
		return err
	}
	if M == 0 || N == 0 {
		return nil
	}
	key := gemmKey{transA, transB, M, N, K, lda%4 == 0 && ldb%4 == 0 && A%16 == 0 && B%16 == 0}
	if k.prof != nil {
		k.prof.tag = key.String()
		defer func() { k.prof.tag = "" }()
	}
	if !k.TF32() {
		return k.launch("gemm_f32", dim{(N + gemmTile - 1) / gemmTile, (M + gemmTile - 1) / gemmTile}, dim{16, 16},
			b2i(transA), b2i(transB), M, N, K, float64(alpha), A, lda, B, ldb, float64(beta), C, ldc)
	}
	v, err := k.pickGemm(key, alpha, A, lda, B, ldb, beta, C, ldc)
	if err != nil {
		return err
	}
	return k.launchGemm(v, key, alpha, A, lda, B, ldb, beta, C, ldc)
}

func (k *Kernels) launchGemm(v gemmVariant, key gemmKey, alpha float32, A Ptr, lda int, B Ptr, ldb int, beta float32, C Ptr, ldc int) error {
	return k.launch(v.name, dim{(key.N + v.tileN - 1) / v.tileN, (key.M + v.tileM - 1) / v.tileM}, dim{v.threads, 1},
		b2i(key.transA), b2i(key.transB), key.M, key.N, key.K, float64(alpha), A, lda, B, ldb, float64(beta), C, ldc)
}

// gemmRule is the choice without timing: 128×128 tiles where there are
// enough of them to occupy every multiprocessor (more mma work per
// shared-memory read), 64×64 otherwise.
func (k *Kernels) gemmRule(key gemmKey) int {
	const big = 128
	if tiles := ((key.M + big - 1) / big) * ((key.N + big - 1) / big); key.M >= big && key.N >= big && tiles >= k.d.sms {
		return 1
	}
	return 0
}

func (k *Kernels) pickGemm(key gemmKey, alpha float32, A Ptr, lda int, B Ptr, ldb int, beta float32, C Ptr, ldc int) (gemmVariant, error) {
	if f := k.gemm.forced; f != "" {
		i := slices.Index(GemmVariants(), f)
		if !tf32Variants[i].vec || key.vec {
			return tf32Variants[i], nil
		}
	}
	if i, ok := k.gemm.chosen[key]; ok {
		return tf32Variants[i], nil
	}
	i := k.gemmRule(key)
	if k.gemm.tune {
		var err error
		if i, err = k.tuneGemm(key, i, alpha, A, lda, B, ldb, beta, C, ldc); err != nil {
			return gemmVariant{}, err
		}
	}
	k.gemm.chosen[key] = i
	return tf32Variants[i], nil
}

// tuneGemm times each applicable variant on key's shape with the real
// operands and returns the fastest; rule when no output buffer can be
// spared.
func (k *Kernels) tuneGemm(key gemmKey, rule int, alpha float32, A Ptr, lda int, B Ptr, ldb int, beta float32, C Ptr, ldc int) (int, error) {
	out, ldo := C, ldc
	if beta != 0 { // C is read: time into scratch instead
		bytes := int64(key.M) * int64(key.N) * 4
		if bytes > 512<<20 {
			return rule, nil
		}
		p, err := k.d.Alloc(bytes)
		if err != nil {
			return rule, nil // no memory to spare: the rule will do
		}
		defer k.d.Free(p)
		out, ldo = p, key.N
	}
	best, bestT := rule, time.Duration(1<<62)
	for i, v := range tf32Variants {
		if v.vec && !key.vec {
			continue
		}
		run := func(n int) error {
			for range n {
				if err := k.launchGemm(v, key, alpha, A, lda, B, ldb, 0, out, ldo); err != nil {
					return err
				}
			}
			return k.d.Sync()
		}
		if err := run(1); err != nil {
			return 0, fmt.Errorf("cudagpt: timing gemm variants on %v: %w", key, err)
		}
		start := time.Now()
		if err := run(3); err != nil {
			return 0, fmt.Errorf("cudagpt: timing gemm variants on %v: %w", key, err)
		}
		if el := time.Since(start); el < bestT {
			best, bestT = i, el
		}
	}
	return best, nil
}
