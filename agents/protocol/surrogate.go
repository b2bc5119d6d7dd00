package protocol

import "github.com/agentarena/arena/internal/strictjson"

// LoneSurrogate returns the first \uXXXX escape in a JSON text that names
// half of a UTF-16 surrogate pair without the other half ("" if none).
// encoding/json decodes such an escape to U+FFFD in silence, so text an
// agent sent would not be the text the arena keeps. data is valid JSON.
// It is strictjson.LoneSurrogate, which model servers' replies (llm) are
// checked with too.
func LoneSurrogate(data []byte) string { return strictjson.LoneSurrogate(data) }
