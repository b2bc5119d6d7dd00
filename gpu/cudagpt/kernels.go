//go:build cuda

package cudagpt

import (
	"fmt"
	"math"
	"unsafe"

	"gorgonia.org/cu"
)

// Launch geometry; must agree with gpu/kernels/gpt/*.cuh.
const (
	blockThreads = 256  // GPT_BLOCK
	lnRows       = 8    // GPT_LN_ROWS: layernorm rows (warps) per block
	colThreads   = 32   // GPT_COLS × GPT_COL_SLICES: column reductions
	colSlices    = 16   //
	sumsqBlocks  = 256  // GPT_SUMSQ_BLOCKS
	gemmTile     = 64   // GEMM_BM = GEMM_BN, and gemm_tf32's tile
	attBQ        = 64   // ATT_BQ: queries per attention block
	attSplit     = 4    // ATT_SPLIT: threads per row in the _hs64 kernels
	attMaxHS     = 128  // ATT_MAX_HS
	decThreads   = 128  // ATT_DEC_THREADS
	decMaxT      = 4096 // ATT_DEC_MAXT
	maxGridX     = 1 << 20
	maxGridYZ    = 65535              // grid y and z limit
	dpoMetricsN  = 8                  // DPO_METRICS
	encClasses   = 32                 // GPT_ENC_CLASSES: encoder_bwd_wte's grid y
	colMaxSplit  = 32                 // column sums: at most this many row chunks
	colMinRows   = 256                // of at least this many rows each
	colScratchN  = colMaxSplit * 8192 // floats of partial column sums
)

// GemmMode chooses Gemm's kernel.
type GemmMode int

const (
	// GemmAuto uses the TF32 tensor cores where the device has them
	// (compute capability 8.0 on), plain FP32 otherwise.
	GemmAuto GemmMode = iota
	// GemmFP32 forces the FP32 kernel (exact float32 products).
	GemmFP32
	// GemmTF32 forces the tensor-core kernel; an error on older devices.
	GemmTF32
)

// DPOLossKind is gpu.LossType as a number for the kernel.
type DPOLossKind int

// The DPO objectives, as gpu.LossSigmoid, gpu.LossIPO, gpu.LossHinge.
const (
	DPOSigmoid DPOLossKind = 0
	DPOIPO     DPOLossKind = 1
	DPOHinge   DPOLossKind = 2
)

// DPOParams configures DPOLoss (gpu.DPOConfig without RPO: the NLL term
// is the SFT loss of the chosen sequences, added by the caller).
type DPOParams struct {
	Beta           float64
	LabelSmoothing float64 // cDPO ε, sigmoid only
	Loss           DPOLossKind
}

// Indices into DPOLoss's float64 metrics (DPOMetrics of them): the
// batch's mean loss and gpu.DPOStats' fields.
const (
	MetricLoss = iota
	MetricRewardsChosen
	MetricRewardsRejected
	MetricRewardsAccuracies
	MetricRewardsMargins
	MetricLogpsChosen
	MetricLogpsRejected
	DPOMetrics = dpoMetricsN
)

// AdamWParams is one gpu.AdamW.Update on the device.
type AdamWParams struct {
	LR, Beta1, Beta2, Eps, WeightDecay float64
	// Step is the update's number from 1 (gpu.AdamW.Steps after the
	// increment); it drives the bias correction.
	Step int
	// MaxNorm > 0 clips the gradient to that global L2 norm, as
	// gpu.ClipGradNorm, with the norm read on the device from NormSq, a
	// float64 Σ g² that SumSquares wrote. NormSq 0 means no clipping.
	MaxNorm float64
	NormSq  Ptr
}

// kernelNames are every entry point Kernels uses; the TF32 gemms
// (tf32Variants) are loaded separately, only from the compute_80 PTX.
var kernelNames = []string{
	"gemm_f32", "encoder_fwd", "encoder_bwd_wpe", "encoder_bwd_wte", "layernorm_fwd",
	"layernorm_bwd_dinp", "layernorm_bwd_dwdb", "add_bias", "bias_grad", "gelu_fwd", "gelu_bwd",
	"attention_fwd", "attention_bwd_dkdv", "attention_bwd_dq", "attention_decode",
	"attention_fwd_hs64", "attention_bwd_dkdv_hs64", "attention_bwd_dq_hs64",
	"target_logprobs", "target_logprobs_bwd", "seq_sums", "sft_loss", "dpo_loss",
	"scatter_seq_grad", "sum_squares_partial", "sum_squares_final", "adamw", "col_finish",
}

// Kernels launches the GPT kernels of one device (inside Device.Do). All
// tensors are float32 and row-major, tokens and targets int32, with the
// layouts and semantics of the CPU functions in gpu/gpt named on each
// launcher. Launches are asynchronous: an error a kernel hits shows up at
// the next Sync or CopyOut (see Device.Sync). Every error names its kernel.
type Kernels struct {
	d       *Device
	fn      map[string]cu.Function
	hasTF32 bool
	mode    GemmMode
	scratch Ptr // sumsqBlocks float64 partial sums
	colPart Ptr // colScratchN float32 partial column sums
	gemm    gemmChooser
	prof    *profiler // nil unless SetProfile(true)
}

func newKernels(d *Device, mod cu.Module, tf32 bool) (*Kernels, error) {
	k := &Kernels{d: d, fn: make(map[string]cu.Function), hasTF32: tf32}
	k.gemm.init(d)
	names := kernelNames
	if tf32 {
		names = names[:len(names):len(names)]
		for _, v := range tf32Variants {
			names = append(names, v.name)
		}
		names = append(names, "attention_fwd_tc", "attention_bwd_dkdv_tc", "attention_bwd_dq_tc")
	}
	for _, name := range names {
		f, err := mod.Function(name)
		if err != nil {
			return nil, fmt.Errorf("cudagpt: kernel %s missing from the PTX: %w", name, err)
		}
		k.fn[name] = f
	}
	var err error
	if k.scratch, err = d.Alloc(sumsqBlocks * 8); err != nil {
		return nil, err
	}
	if k.colPart, err = d.Alloc(colScratchN * 4); err != nil {
		return nil, err
	}
	return k, nil
}

// ScratchBytes is the device memory Open allocates for the kernels'
// own partial sums.
const ScratchBytes = sumsqBlocks*8 + colScratchN*4

func (k *Kernels) release() error {
	k.d.Free(k.scratch)
	k.d.Free(k.colPart)
	k.scratch, k.colPart = 0, 0
	return nil
}

// colSplit chooses how many row chunks a column sum over N rows runs in
// (more blocks than the ceil(cols/32) of one pass), given the partial
// sums' row stride, and the rows per chunk.
func colSplit(N, stride int) (R, rows int) {
	R = min(colMaxSplit, max(1, N/colMinRows), max(1, colScratchN/max(stride, 1)))
	rows = (N + R - 1) / R
	return R, rows
}

// SetGemmMode forces Gemm's kernel (for tests and benchmarks).
func (k *Kernels) SetGemmMode(m GemmMode) error {
	if m == GemmTF32 && !k.hasTF32 {
		return fmt.Errorf("cudagpt: the TF32 gemm needs compute capability 8.0, %s has %d.%d", k.d.name, k.d.major, k.d.minor)
	}
	k.mode = m
	return nil
}

// TF32 reports whether Gemm uses the tensor cores in the current mode.
func (k *Kernels) TF32() bool {
	return k.mode == GemmTF32 || (k.mode == GemmAuto && k.hasTF32)
}

type dim struct{ x, y int }

// launch starts kernel name; every argument is passed as 8 bytes (cu
// copies 8 per parameter): ints as int64, floats as float64.
func (k *Kernels) launch(name string, grid, block dim, args ...any) error {
	f, ok := k.fn[name]
	if !ok {
		return fmt.Errorf("cudagpt: kernel %s not loaded", name)
	}
	var vals [16]uint64
	if len(args) > len(vals) {
		return fmt.Errorf("cudagpt: kernel %s: %d arguments", name, len(args))
	}
	params := make([]unsafe.Pointer, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case int:
			vals[i] = uint64(int64(v))
		case float64:
			vals[i] = math.Float64bits(v)
		case Ptr:
			vals[i] = uint64(v)
		default:
			return fmt.Errorf("cudagpt: kernel %s: argument %d of type %T", name, i, a)
		}
		params[i] = unsafe.Pointer(&vals[i])
	}
	if grid.x < 1 || grid.y < 1 || grid.x > math.MaxInt32 || grid.y > maxGridYZ {
		return fmt.Errorf("cudagpt: kernel %s: grid %d×%d out of range", name, grid.x, grid.y)
	}
	k.d.last = name
	if k.prof != nil {
		return k.prof.launch(k, name, f, grid, block, params)
	}
	if err := f.Launch(grid.x, grid.y, 1, block.x, max(block.y, 1), 1, 0, cu.NoStream, params); err != nil {
		return fmt.Errorf("cudagpt: launching kernel %s: %w", name, err)
	}
	if k.d.syncEach {
		if err := cu.Synchronize(); err != nil {
			return fmt.Errorf("cudagpt: kernel %s: %w", name, err)
		}
	}
	return nil
}

func blocks(n, per int) int { return max(1, min((n+per-1)/per, maxGridX)) }

func elem(n int) (dim, dim) { return dim{blocks(n, blockThreads), 1}, dim{blockThreads, 1} }

// check returns an error naming op when a size is negative or a
// condition fails.
func check(op string, sizes []int, conds ...error) error {
	for _, s := range sizes {
		if s < 0 {
			return fmt.Errorf("cudagpt: %s: negative size %d", op, s)
		}
	}
	for _, c := range conds {
		if c != nil {
			return fmt.Errorf("cudagpt: %s: %w", op, c)
		}
	}
	return nil
}

func cond(ok bool, format string, a ...any) error {
	if ok {
		return nil
	}
	return fmt.Errorf(format, a...)
}

func empty(sizes ...int) bool {
	for _, s := range sizes {
		if s == 0 {
			return true
		}
	}
	return false
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// EncoderFwd is gpt.encoderForward: out[B,T,C] = wte[inp] + wpe[t].
func (k *Kernels) EncoderFwd(out, inp, wte, wpe Ptr, B, T, C int) error {
	if err := check("EncoderFwd", []int{B, T, C}); err != nil || empty(B, T, C) {
		return err
	}
	g, b := elem(B * T * C)
	return k.launch("encoder_fwd", g, b, out, inp, wte, wpe, B*T, T, C)
}

// EncoderBwd is gpt.encoderBackward (accumulates into dwte and dwpe),
// without float atomics: the sums run in the CPU's order.
func (k *Kernels) EncoderBwd(dwte, dwpe, dout, inp Ptr, B, T, C int) error {
	if err := check("EncoderBwd", []int{B, T, C}); err != nil || empty(B, T, C) {
		return err
	}
	g, b := elem(T * C)
	if err := k.launch("encoder_bwd_wpe", g, b, dwpe, dout, B, T, C); err != nil {
		return err
	}
	return k.launch("encoder_bwd_wte", dim{blocks(C, blockThreads), encClasses}, dim{blockThreads, 1},
		dwte, dout, inp, B*T, C)
}

// LayerNormFwd is gpt.layerNormForward over N rows of width C, saving
// mean and rstd [N].
func (k *Kernels) LayerNormFwd(out, mean, rstd, inp, w, b Ptr, N, C int) error {
	if err := check("LayerNormFwd", []int{N, C}); err != nil || empty(N, C) {
		return err
	}
	return k.launch("layernorm_fwd", dim{blocks(N, lnRows), 1}, dim{lnRows * 32, 1},
		out, mean, rstd, inp, w, b, N, C)
}

// LayerNormBwd is gpt.layerNormBackward (accumulates into dinp, dw, db).
func (k *Kernels) LayerNormBwd(dinp, dw, db, dout, inp, w, mean, rstd Ptr, N, C int) error {
	if err := check("LayerNormBwd", []int{N, C}); err != nil || empty(N, C) {
		return err
	}
	if err := k.launch("layernorm_bwd_dinp", dim{blocks(N, lnRows), 1}, dim{lnRows * 32, 1},
		dinp, dout, inp, w, mean, rstd, N, C); err != nil {
		return err
	}
	R, rows := colSplit(N, 2*C)
	if err := k.launch("layernorm_bwd_dwdb", dim{blocks(C, colThreads), R}, dim{colThreads, colSlices},
		dw, db, k.colPart, dout, inp, mean, rstd, N, C, rows); err != nil || R == 1 {
		return err
	}
	g, b := elem(C)
	if err := k.launch("col_finish", g, b, dw, k.colPart, R, C, 2*C); err != nil {
		return err
	}
	return k.launch("col_finish", g, b, db, k.colPart+Ptr(4*C), R, C, 2*C)
}

// AddBias adds bias [OC] to every row of out [N, OC].
func (k *Kernels) AddBias(out, bias Ptr, N, OC int) error {
	if err := check("AddBias", []int{N, OC}); err != nil || empty(N, OC) {
		return err
	}
	g, b := elem(N * OC)
	return k.launch("add_bias", g, b, out, bias, N, OC)
}

// BiasGrad accumulates dbias [OC] += Σ rows of dout [N, OC].
func (k *Kernels) BiasGrad(dbias, dout Ptr, N, OC int) error {
	if err := check("BiasGrad", []int{N, OC}); err != nil || empty(N, OC) {
		return err
	}
	R, rows := colSplit(N, OC)
	if err := k.launch("bias_grad", dim{blocks(OC, colThreads), R}, dim{colThreads, colSlices},
		dbias, k.colPart, dout, N, OC, rows); err != nil || R == 1 {
		return err
	}
	g, b := elem(OC)
	return k.launch("col_finish", g, b, dbias, k.colPart, R, OC, OC)
}

// GeluFwd is gpt.geluForward on n elements.
func (k *Kernels) GeluFwd(out, inp Ptr, n int) error {
	if err := check("GeluFwd", []int{n}); err != nil || n == 0 {
		return err
	}
	g, b := elem(n)
	return k.launch("gelu_fwd", g, b, out, inp, n)
}

// GeluBwd is gpt.geluBackward: dinp = gelu'(inp)·dout (set, not added).
func (k *Kernels) GeluBwd(dinp, inp, dout Ptr, n int) error {
	if err := check("GeluBwd", []int{n}); err != nil || n == 0 {
		return err
	}
	g, b := elem(n)
	return k.launch("gelu_bwd", g, b, dinp, inp, dout, n)
}

func attCheck(op string, B, T, C, NH int) error {
	return check(op, []int{B, T, C, NH},
		cond(NH > 0 && C%NH == 0, "C %d not a multiple of NH %d", C, NH),
		cond(NH == 0 || C/NH <= attMaxHS, "head size %d over %d", C/max(NH, 1), attMaxHS),
		cond(B*NH <= maxGridYZ, "B·NH %d over %d", B*NH, maxGridYZ))
}

// attKernels picks the attention kernels for GPT-2's head size 64 over
// the generic ones, and the blocks of the forward (and dq) and dkdv
// kernels (attention64.cuh: a key's dimensions split over attSplit
// threads).
func attKernels(C, NH int) (suffix string, block, blockKV dim) {
	if C/NH == 64 {
		return "_hs64", dim{attBQ, 1}, dim{attBQ * attSplit, 1}
	}
	return "", dim{attBQ, 1}, dim{attBQ, 1}
}

// AttentionFwd is gpt.attentionForward without the B·NH·T·T weights:
// qkv [B,T,3C] → y [B,T,C], saving lse [B,NH,T] for AttentionBwd.
func (k *Kernels) AttentionFwd(y, lse, qkv Ptr, B, T, C, NH int) error {
	if err := attCheck("AttentionFwd", B, T, C, NH); err != nil || empty(B, T, C) {
		return err
	}
	sfx, block, _ := attKernels(C, NH)
	name := "attention_fwd" + sfx
	if sfx == "_hs64" && k.TF32() { // on the tensor cores (attention_tc.cuh)
		name, block = "attention_fwd_tc", dim{128, 1}
	}
	return k.launch(name, dim{blocks(T, attBQ), B * NH}, block, y, lse, qkv, B, T, C, NH)
}

// AttentionBwd is gpt.attentionBackward (accumulates into dqkv), the
// probabilities recomputed from the forward pass's lse.
func (k *Kernels) AttentionBwd(dqkv, dy, qkv, y, lse Ptr, B, T, C, NH int) error {
	if err := attCheck("AttentionBwd", B, T, C, NH); err != nil || empty(B, T, C) {
		return err
	}
	grid := dim{blocks(T, attBQ), B * NH}
	sfx, block, blockKV := attKernels(C, NH)
	dkdv, dq := "attention_bwd_dkdv"+sfx, "attention_bwd_dq"+sfx
	if sfx == "_hs64" && k.TF32() {
		// In TF32 mode the backward pass runs on the tensor cores, the
		// products' operands rounded to TF32 as the gemms' are
		// (attention_tc.cuh).
		dkdv, dq, block, blockKV = "attention_bwd_dkdv_tc", "attention_bwd_dq_tc", dim{128, 1}, dim{128, 1}
	}
	if err := k.launch(dkdv, grid, blockKV, dqkv, dy, qkv, y, lse, B, T, C, NH); err != nil {
		return err
	}
	return k.launch(dq, grid, block, dqkv, dy, qkv, y, lse, B, T, C, NH)
}

// AttentionDecode attends one query q [NH·HS] over the first t positions
// of a KV cache (kcache and vcache [maxT, NH·HS], position-major) into
// y [NH·HS]: gpt's attendRow for every head, for sampling.
func (k *Kernels) AttentionDecode(y, kcache, vcache, q Ptr, t, NH, HS, maxT int) error {
	if err := check("AttentionDecode", []int{t, NH, HS, maxT},
		cond(t >= 1 && t <= maxT, "t %d outside [1, maxT %d]", t, maxT),
		cond(t <= decMaxT, "t %d over %d", t, decMaxT),
		cond(NH <= maxGridX, "NH %d", NH)); err != nil || empty(NH, HS) {
		return err
	}
	return k.launch("attention_decode", dim{NH, 1}, dim{decThreads, 1}, y, kcache, vcache, q, t, NH, HS)
}

// TargetLogProbs is gpt.targetLogProbs: per row of logits [N,V] the
// log-sum-exp lse [N] and the target's log-probability logp [N] (0 where
// the target is < 0).
func (k *Kernels) TargetLogProbs(logp, lse, logits, targets Ptr, N, V int) error {
	if err := check("TargetLogProbs", []int{N, V}, cond(V > 0 || N == 0, "V %d", V)); err != nil || N == 0 {
		return err
	}
	return k.launch("target_logprobs", dim{N, 1}, dim{blockThreads, 1}, logp, lse, logits, targets, N, V)
}

// TargetLogProbsBwd is gpt.targetLogProbsBackward (sets dlogits [N,V]).
func (k *Kernels) TargetLogProbsBwd(dlogits, dlogp, logits, lse, targets Ptr, N, V int) error {
	if err := check("TargetLogProbsBwd", []int{N, V}); err != nil || empty(N, V) {
		return err
	}
	return k.launch("target_logprobs_bwd", dim{N, 1}, dim{blockThreads, 1}, dlogits, dlogp, logits, lse, targets, N, V)
}

// SeqSums writes out[b] (float64 [B]) = Σ_t logp[b,t] over the positions
// whose target is ≥ 0: each sequence's log-probability, as the DPO loss
// takes it.
func (k *Kernels) SeqSums(out, logp, targets Ptr, B, T int) error {
	if err := check("SeqSums", []int{B, T}); err != nil || B == 0 {
		return err
	}
	return k.launch("seq_sums", dim{B, 1}, dim{blockThreads, 1}, out, logp, targets, B, T)
}

// SFTLoss is gpt's Model.Loss and LossGrad: loss (one float32) = −mean
// logp over positions with target ≥ 0 (0 when none), dlogp [N] = −1/n
// there and 0 elsewhere.
func (k *Kernels) SFTLoss(loss, dlogp, logp, targets Ptr, N int) error {
	if err := check("SFTLoss", []int{N}); err != nil {
		return err
	}
	return k.launch("sft_loss", dim{1, 1}, dim{1024, 1}, loss, dlogp, logp, targets, N)
}

// DPOLoss is gpu.DPOLoss on float64 sequence log-probs (SeqSums): polC,
// polR, refC, refR are [pairs] each. dseq (float64 [2·pairs]) gets the
// loss's derivative with respect to each chosen log-prob in [0, pairs) and
// each rejected one in [pairs, 2·pairs), the 1/pairs of the mean included;
// metrics (float64 [DPOMetrics]) the mean loss and the DPOStats, indexed
// by the Metric constants.
func (k *Kernels) DPOLoss(metrics, dseq, polC, polR, refC, refR Ptr, pairs int, cfg DPOParams) error {
	if err := check("DPOLoss", []int{pairs},
		cond(pairs > 0, "no pairs"),
		cond(cfg.Beta > 0 && !math.IsInf(cfg.Beta, 0), "beta %v", cfg.Beta),
		cond(cfg.LabelSmoothing >= 0 && cfg.LabelSmoothing < 0.5, "label smoothing %v", cfg.LabelSmoothing),
		cond(cfg.Loss >= DPOSigmoid && cfg.Loss <= DPOHinge, "loss kind %d", cfg.Loss)); err != nil {
		return err
	}
	return k.launch("dpo_loss", dim{1, 1}, dim{256, 1}, metrics, dseq, polC, polR, refC, refR, pairs,
		cfg.Beta, cfg.LabelSmoothing, int(cfg.Loss))
}

// ScatterSeqGrad sets dlogp [B,T] to dseq[b] (float64 [B]) at every
// position of sequence b whose target is ≥ 0, and 0 elsewhere.
func (k *Kernels) ScatterSeqGrad(dlogp, dseq, targets Ptr, B, T int) error {
	if err := check("ScatterSeqGrad", []int{B, T}); err != nil || empty(B, T) {
		return err
	}
	g, b := elem(B * T)
	return k.launch("scatter_seq_grad", g, b, dlogp, dseq, targets, B, T)
}

// SumSquares writes out[0] (float64) = Σ x² over n floats, in float64 and
// a fixed order: gpu.ClipGradNorm's sum, for AdamWParams.NormSq.
func (k *Kernels) SumSquares(out, x Ptr, n int) error {
	if err := check("SumSquares", []int{n}); err != nil {
		return err
	}
	if err := k.launch("sum_squares_partial", dim{sumsqBlocks, 1}, dim{blockThreads, 1}, k.scratch, x, n); err != nil {
		return err
	}
	return k.launch("sum_squares_final", dim{1, 1}, dim{blockThreads, 1}, out, k.scratch, sumsqBlocks)
}

// AdamW is gpu.AdamW.Update (after gpu.ClipGradNorm when a.MaxNorm > 0)
// on n parameters: p, g, m, v float32 [n], decay a uint8 [n] mask (1 where
// weight decay applies).
func (k *Kernels) AdamW(p, g, m, v, decay Ptr, n int, a AdamWParams) error {
	if err := check("AdamW", []int{n}, cond(a.Step >= 1, "step %d (counted from 1)", a.Step)); err != nil || n == 0 {
		return err
	}
	c1 := 1 - math.Pow(a.Beta1, float64(a.Step))
	c2 := 1 - math.Pow(a.Beta2, float64(a.Step))
	maxNorm := a.MaxNorm
	if a.NormSq == 0 {
		maxNorm = 0
	}
	gr, b := elem(n)
	return k.launch("adamw", gr, b, p, g, m, v, decay, n, a.Beta1, a.Beta2, a.Eps,
		a.LR*a.WeightDecay, a.LR/c1, 1/c2, maxNorm, a.NormSq)
}
