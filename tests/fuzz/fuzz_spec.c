/* fuzz_spec — the bench spec reader (spec_load: directives, option lists, θ lines, the
 * expansion into cases) on arbitrary bytes: it must answer with a spec or a message, never
 * crash, leak or run away. */
#include "fuzz_input.h"
#include "spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file(data, size, ".spec");
    char err[1024];
    if (!path)
        return 0;
    bench_spec *s = spec_load(path, err, sizeof err);
    if (s)
        spec_free(s);
    return 0;
}
