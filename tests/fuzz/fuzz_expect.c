/* fuzz_expect — the expectations reader of `odegrad compare` (expect_load) on arbitrary
 * bytes (issue 19's first crash was a malformed line after valid ones). */
#include "fuzz_input.h"
#include "expect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file(data, size, ".tsv");
    char err[1024];
    if (!path)
        return 0;
    expect_list l;
    if (expect_load(&l, path, err, sizeof err) == 0)
        expect_free(&l);
    return 0;
}
