/* fuzz_csv.c: libFuzzer target for CSV lines (eddy_ingest_parse_line); the
 * input is a file of lines, so header handling is exercised too. */
#include "fuzz_ingest.h"
