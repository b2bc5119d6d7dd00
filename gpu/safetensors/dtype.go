package safetensors

import (
	"encoding/binary"
	"fmt"
	"math"
)

// dtypeSizes lists the reference's byte-addressable dtypes and their sizes.
// All are listed by Names/Info; Get converts only F32, F16 and BF16.
var dtypeSizes = map[string]int{
	"BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1,
	"I16": 2, "U16": 2, "F16": 2, "BF16": 2,
	"I32": 4, "U32": 4, "F32": 4,
	"I64": 8, "U64": 8, "F64": 8,
}

// decode converts raw little-endian data of dtype into float32.
func decode(dtype string, raw []byte) ([]float32, error) {
	switch dtype {
	case "F32":
		out := make([]float32, len(raw)/4)
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
		return out, nil
	case "F16":
		out := make([]float32, len(raw)/2)
		for i := range out {
			out[i] = F16ToF32(binary.LittleEndian.Uint16(raw[2*i:]))
		}
		return out, nil
	case "BF16":
		out := make([]float32, len(raw)/2)
		for i := range out {
			out[i] = BF16ToF32(binary.LittleEndian.Uint16(raw[2*i:]))
		}
		return out, nil
	}
	return nil, fmt.Errorf("dtype %s cannot be converted to float32 (only F32, F16, BF16)", dtype)
}

// F16ToF32 converts IEEE 754 binary16 bits to float32 exactly, including
// subnormals, infinities and NaN (whose payload is kept in the top bits).
func F16ToF32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0:
		// Subnormal or zero: mant·2^-24 is exact in float32.
		v := float32(mant) * (1.0 / (1 << 24))
		return math.Float32frombits(math.Float32bits(v) | sign)
	case exp == 0x1f:
		return math.Float32frombits(sign | 0xff<<23 | mant<<13)
	}
	return math.Float32frombits(sign | (exp-15+127)<<23 | mant<<13)
}

// BF16ToF32 converts bfloat16 bits (the top half of a float32) to float32.
func BF16ToF32(b uint16) float32 { return math.Float32frombits(uint32(b) << 16) }
