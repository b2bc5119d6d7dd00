package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"sort"
	"unicode/utf8"
)

// File is a parsed safetensors file held in memory.
type File struct {
	// Metadata is the header's "__metadata__" map (empty if absent).
	Metadata map[string]string
	infos    map[string]Info
	names    []string
	data     []byte
}

// ReadFile reads and validates the safetensors file at path.
func ReadFile(path string) (*File, error) {
	buf, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	f, err := Read(buf)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// ReadFrom reads a whole safetensors stream into memory and validates it.
func ReadFrom(r io.Reader) (*File, error) {
	buf, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	return Read(buf)
}

// Read validates buf as a safetensors file. The File keeps buf (no copy),
// so callers must not modify it afterwards.
func Read(buf []byte) (*File, error) {
	if len(buf) < 8 {
		return nil, fmt.Errorf("safetensors: file is %d bytes, shorter than the 8-byte header length", len(buf))
	}
	n := binary.LittleEndian.Uint64(buf)
	if n > MaxHeaderSize {
		return nil, fmt.Errorf("safetensors: header length %d exceeds the %d-byte limit", n, MaxHeaderSize)
	}
	if n > uint64(len(buf)-8) {
		return nil, fmt.Errorf("safetensors: header length %d exceeds the %d bytes after the length prefix: the file is cut short, or not safetensors", n, len(buf)-8)
	}
	header, data := buf[8:8+n], buf[8+n:]
	meta, infos, err := parseHeader(header, len(data))
	if err != nil {
		return nil, fmt.Errorf("safetensors: header: %w", err)
	}
	if err := validateLayout(infos, len(data)); err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	f := &File{Metadata: meta, infos: make(map[string]Info, len(infos)), data: data}
	for _, in := range infos {
		f.infos[in.Name] = in
		f.names = append(f.names, in.Name)
	}
	sort.Strings(f.names)
	return f, nil
}

// Names lists the stored tensors, sorted.
func (f *File) Names() []string { return slices.Clone(f.names) }

// Info describes the named tensor.
func (f *File) Info(name string) (Info, bool) {
	in, ok := f.infos[name]
	if ok {
		in.Shape = slices.Clone(in.Shape)
	}
	return in, ok
}

// Get returns the named tensor converted to float32. F32, F16 and BF16 are
// supported; other dtypes give an error naming the tensor.
func (f *File) Get(name string) (Tensor, error) {
	in, ok := f.infos[name]
	if !ok {
		return Tensor{}, fmt.Errorf("safetensors: no tensor %q", name)
	}
	vals, err := decode(in.DType, f.data[in.Begin:in.End])
	if err != nil {
		return Tensor{}, fmt.Errorf("safetensors: tensor %q: %w", name, err)
	}
	return Tensor{Name: name, Shape: slices.Clone(in.Shape), Data: vals}, nil
}

// rawInfo is one tensor entry of the JSON header.
type rawInfo struct {
	DType       *string   `json:"dtype"`
	Shape       *[]int64  `json:"shape"`
	DataOffsets *[]uint64 `json:"data_offsets"`
}

// parseHeader walks the header object token by token, because
// encoding/json's map decoding would silently keep the last of duplicate
// names.
func parseHeader(header []byte, dataLen int) (map[string]string, []Info, error) {
	if !utf8.Valid(header) {
		return nil, nil, errors.New("not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(header))
	if tok, err := dec.Token(); err != nil {
		return nil, nil, fmt.Errorf("invalid JSON: %w", err)
	} else if tok != json.Delim('{') {
		return nil, nil, fmt.Errorf("want a JSON object, got %v", tok)
	}
	meta := map[string]string{}
	seen := map[string]bool{}
	var infos []Info
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, fmt.Errorf("invalid JSON: %w", err)
		}
		name := tok.(string) // object keys are always strings
		if seen[name] {
			return nil, nil, fmt.Errorf("duplicate entry %q", name)
		}
		seen[name] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, fmt.Errorf("entry %q: invalid JSON: %w", name, err)
		}
		if name == metadataKey {
			if err := json.Unmarshal(raw, &meta); err != nil {
				return nil, nil, fmt.Errorf("%s must map strings to strings: %w", metadataKey, err)
			}
			if meta == nil {
				meta = map[string]string{}
			}
			continue
		}
		in, err := parseInfo(name, raw, dataLen)
		if err != nil {
			return nil, nil, fmt.Errorf("tensor %q: %w", name, err)
		}
		infos = append(infos, in)
	}
	if _, err := dec.Token(); err != nil {
		return nil, nil, fmt.Errorf("invalid JSON: %w", err)
	}
	// Only whitespace (the writer's space padding) may follow the object.
	if rest := bytes.TrimLeft(header[dec.InputOffset():], " \t\r\n"); len(rest) > 0 {
		return nil, nil, fmt.Errorf("trailing bytes after the JSON object at offset %d", dec.InputOffset())
	}
	return meta, infos, nil
}

func parseInfo(name string, raw json.RawMessage, dataLen int) (Info, error) {
	var ri rawInfo
	if err := json.Unmarshal(raw, &ri); err != nil {
		return Info{}, fmt.Errorf("invalid entry: %w", err)
	}
	switch {
	case ri.DType == nil:
		return Info{}, errors.New("missing dtype")
	case ri.Shape == nil:
		return Info{}, errors.New("missing shape")
	case ri.DataOffsets == nil:
		return Info{}, errors.New("missing data_offsets")
	case len(*ri.DataOffsets) != 2:
		return Info{}, fmt.Errorf("data_offsets has %d values, want 2", len(*ri.DataOffsets))
	}
	size, ok := dtypeSizes[*ri.DType]
	if !ok {
		return Info{}, fmt.Errorf("unknown dtype %q", *ri.DType)
	}
	shape := make([]int, len(*ri.Shape))
	for i, d := range *ri.Shape {
		if d < 0 {
			return Info{}, fmt.Errorf("negative dimension %d in shape %v", d, *ri.Shape)
		}
		if d > math.MaxInt32*int64(math.MaxInt32) {
			return Info{}, fmt.Errorf("dimension %d too large", d)
		}
		shape[i] = int(d)
	}
	// No valid tensor holds more elements than the data section has bytes.
	count, err := numel(shape, dataLen)
	if err != nil {
		return Info{}, err
	}
	begin, end := (*ri.DataOffsets)[0], (*ri.DataOffsets)[1]
	if begin > end {
		return Info{}, fmt.Errorf("data_offsets [%d, %d] end before they begin", begin, end)
	}
	if end > uint64(dataLen) {
		return Info{}, fmt.Errorf("data_offsets [%d, %d] beyond the %d-byte data section", begin, end, dataLen)
	}
	if want := uint64(count) * uint64(size); end-begin != want {
		return Info{}, fmt.Errorf("data_offsets [%d, %d] span %d bytes, but shape %v of %s needs %d", begin, end, end-begin, shape, *ri.DType, want)
	}
	return Info{Name: name, DType: *ri.DType, Shape: shape, Begin: int(begin), End: int(end)}, nil
}

// validateLayout enforces the reference's rule that tensors, ordered by
// offset, tile the data section exactly: each begins where the previous
// ended and the last ends at the end of the file.
func validateLayout(infos []Info, dataLen int) error {
	sorted := slices.Clone(infos)
	slices.SortStableFunc(sorted, func(a, b Info) int {
		if a.Begin != b.Begin {
			return a.Begin - b.Begin
		}
		return a.End - b.End
	})
	pos := 0
	for _, in := range sorted {
		if in.Begin != pos {
			if in.Begin < pos {
				return fmt.Errorf("tensor %q: data_offsets [%d, %d] overlap the previous tensor, which ends at %d", in.Name, in.Begin, in.End, pos)
			}
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] leave a gap after offset %d", in.Name, in.Begin, in.End, pos)
		}
		pos = in.End
	}
	if pos != dataLen {
		return fmt.Errorf("tensors cover %d bytes of a %d-byte data section (trailing data)", pos, dataLen)
	}
	return nil
}

// GetInt32 returns the named integer tensor (I32, or I64 within int32's
// range: token ids and targets) and its shape.
func (f *File) GetInt32(name string) ([]int32, []int, error) {
	in, ok := f.infos[name]
	if !ok {
		return nil, nil, fmt.Errorf("safetensors: no tensor %q", name)
	}
	raw := f.data[in.Begin:in.End]
	var out []int32
	switch in.DType {
	case "I32":
		out = make([]int32, len(raw)/4)
		for i := range out {
			out[i] = int32(binary.LittleEndian.Uint32(raw[4*i:]))
		}
	case "I64":
		out = make([]int32, len(raw)/8)
		for i := range out {
			v := int64(binary.LittleEndian.Uint64(raw[8*i:]))
			if v < math.MinInt32 || v > math.MaxInt32 {
				return nil, nil, fmt.Errorf("safetensors: tensor %q: element %d is %d, outside int32", name, i, v)
			}
			out[i] = int32(v)
		}
	default:
		return nil, nil, fmt.Errorf("safetensors: tensor %q is %s, not an integer tensor (I32 or I64)", name, in.DType)
	}
	return out, slices.Clone(in.Shape), nil
}
