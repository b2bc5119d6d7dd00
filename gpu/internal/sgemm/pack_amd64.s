#include "textflag.h"

// func interleave6x4(groups int, src *float32, ld int, dst *float32)
//
// For each group of four columns p..p+3 it loads four values from each of
// the six rows, transposes rows 0-3 as a 4×4 block (unpack, then 64-bit
// unpack) and pairs rows 4-5, and stores column p as 16 + 8 bytes at
// dst+24p. Registers: SI walks the rows (row i at SI + i·ld), DI walks dst.
TEXT ·interleave6x4(SB), NOSPLIT, $0-32
	MOVQ groups+0(FP), CX
	MOVQ src+8(FP), SI
	MOVQ ld+16(FP), R9
	MOVQ dst+24(FP), DI
	SHLQ $2, R9              // ld in bytes
	LEAQ (R9)(R9*2), R10     // 3·ld
	LEAQ (R9)(R9*4), R11     // 5·ld

loop:
	VMOVUPS (SI), X0
	VMOVUPS (SI)(R9*1), X1
	VMOVUPS (SI)(R9*2), X2
	VMOVUPS (SI)(R10*1), X3
	VMOVUPS (SI)(R9*4), X4
	VMOVUPS (SI)(R11*1), X5

	VUNPCKLPS X1, X0, X6     // r0p0 r1p0 r0p1 r1p1
	VUNPCKHPS X1, X0, X7     // r0p2 r1p2 r0p3 r1p3
	VUNPCKLPS X3, X2, X8     // r2p0 r3p0 r2p1 r3p1
	VUNPCKHPS X3, X2, X9     // r2p2 r3p2 r2p3 r3p3
	VUNPCKLPS X5, X4, X10    // r4p0 r5p0 r4p1 r5p1
	VUNPCKHPS X5, X4, X11    // r4p2 r5p2 r4p3 r5p3

	VUNPCKLPD X8, X6, X0     // column p0, rows 0-3
	VUNPCKHPD X8, X6, X1     // column p1
	VUNPCKLPD X9, X7, X2     // column p2
	VUNPCKHPD X9, X7, X3     // column p3

	VMOVUPS X0, 0(DI)
	VMOVLPS X10, 16(DI)
	VMOVUPS X1, 24(DI)
	VMOVHPS X10, 40(DI)
	VMOVUPS X2, 48(DI)
	VMOVLPS X11, 64(DI)
	VMOVUPS X3, 72(DI)
	VMOVHPS X11, 88(DI)

	ADDQ $16, SI
	ADDQ $96, DI
	DECQ CX
	JNZ  loop
	RET
