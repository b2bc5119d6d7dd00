//go:build !amd64

package sgemm

// defaultKernel is the portable Go kernel off amd64.
var defaultKernel kernelFunc = kernelGo
