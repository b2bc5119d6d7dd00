//go:build cuda

package cudagpt

// SetGemmTuning turns Gemm's timing of its variants on or off (it is off
// on the emulator), so tests can run the tuner there.
func SetGemmTuning(k *Kernels, on bool) { k.gemm.tune = on }
