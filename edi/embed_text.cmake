# Writes a C++ source defining `const char* edigate::edi::mapping::FUNCTION()` that returns the
# text of INPUT (used for mappings/schema/mapping.xsd, so the binary checks files without
# needing the source tree).
file(READ ${INPUT} content)
set(out "// Generated from ${NAME} by embed_text.cmake. Do not edit.\n")
string(APPEND out "namespace edigate::edi::mapping {\n")
string(APPEND out "const char* ${FUNCTION}() {\n  return R\"EDIGATE_TEXT(${content})EDIGATE_TEXT\";\n}\n")
string(APPEND out "}  // namespace edigate::edi::mapping\n")
file(WRITE ${OUTPUT}.tmp "${out}")
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)
