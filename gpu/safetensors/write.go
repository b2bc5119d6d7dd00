package safetensors

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Write stores tensors as F32 with the given metadata (nil for none).
//
// Order: the reference sorts tensors by dtype alignment, largest first,
// then by name; everything here is F32, so tensors are written sorted by
// name, which makes the output a pure function of the input. The header
// lists "__metadata__" first (its keys sorted) and is padded with spaces
// so the data section starts 8-byte aligned.
func Write(w io.Writer, tensors []Tensor, metadata map[string]string) error {
	sorted := slices.Clone(tensors)
	slices.SortFunc(sorted, func(a, b Tensor) int { return strings.Compare(a.Name, b.Name) })
	header, err := buildHeader(sorted, metadata)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	var lenBuf [8]byte
	binary.LittleEndian.PutUint64(lenBuf[:], uint64(len(header)))
	bw.Write(lenBuf[:])
	bw.Write(header)
	var b [4]byte
	for _, t := range sorted {
		for _, v := range t.Data {
			binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
			bw.Write(b[:])
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("safetensors: write: %w", err)
	}
	return nil
}

func buildHeader(sorted []Tensor, metadata map[string]string) ([]byte, error) {
	var h bytes.Buffer
	h.WriteByte('{')
	if len(metadata) > 0 {
		m, err := json.Marshal(metadata) // map keys come out sorted
		if err != nil {
			return nil, fmt.Errorf("safetensors: metadata: %w", err)
		}
		fmt.Fprintf(&h, "%q:%s", metadataKey, m)
	}
	offset := 0
	for i, t := range sorted {
		if t.Name == metadataKey {
			return nil, fmt.Errorf("safetensors: tensor name %q is reserved", t.Name)
		}
		if i > 0 && sorted[i-1].Name == t.Name {
			return nil, fmt.Errorf("safetensors: duplicate tensor %q", t.Name)
		}
		n, err := numel(t.Shape, math.MaxInt32*int(math.MaxInt32))
		if err != nil {
			return nil, fmt.Errorf("safetensors: tensor %q: %w", t.Name, err)
		}
		if n != len(t.Data) {
			return nil, fmt.Errorf("safetensors: tensor %q: shape %v has %d elements but data has %d", t.Name, t.Shape, n, len(t.Data))
		}
		name, err := json.Marshal(t.Name)
		if err != nil {
			return nil, fmt.Errorf("safetensors: tensor %q: %w", t.Name, err)
		}
		shape, _ := json.Marshal(nonNil(t.Shape))
		if h.Len() > 1 {
			h.WriteByte(',')
		}
		fmt.Fprintf(&h, `%s:{"dtype":"F32","shape":%s,"data_offsets":[%d,%d]}`, name, shape, offset, offset+4*n)
		offset += 4 * n
	}
	h.WriteByte('}')
	for h.Len()%8 != 0 {
		h.WriteByte(' ')
	}
	return h.Bytes(), nil
}

func nonNil(s []int) []int {
	if s == nil {
		return []int{}
	}
	return s
}

// WriteFile writes tensors to path atomically: a temporary file in the same
// directory is written and fsynced, then renamed over path, and the
// directory is fsynced so the rename survives a crash.
func WriteFile(path string, tensors []Tensor, metadata map[string]string) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = Write(f, tensors, metadata); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("safetensors: sync %s: %w", f.Name(), err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("safetensors: close %s: %w", f.Name(), err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
