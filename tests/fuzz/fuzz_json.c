/* fuzz_json.c: libFuzzer target for JSON lines (eddy_ingest_parse_line);
 * the whole input is one line, so jansson sees arbitrary bytes, newlines
 * included. */
#define FUZZ_ONE_LINE 1
#include "fuzz_ingest.h"
