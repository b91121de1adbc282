# Writes a C++ source defining `const char* edigate::gateway::config::FUNCTION()` that returns
# the text of INPUT (the configuration XSDs in gateway/schema/, so the binary checks
# edigate.xml and partner profiles without needing the source tree). Same scheme as
# edi/embed_text.cmake, in the gateway's namespace.
file(READ ${INPUT} content)
set(out "// Generated from ${NAME} by embed_xsd.cmake. Do not edit.\n")
string(APPEND out "namespace edigate::gateway::config {\n")
string(APPEND out "const char* ${FUNCTION}() {\n  return R\"EDIGATE_TEXT(${content})EDIGATE_TEXT\";\n}\n")
string(APPEND out "}  // namespace edigate::gateway::config\n")
file(WRITE ${OUTPUT}.tmp "${out}")
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)
