/* filetoken — model names inside file names (see filetoken.h). */
#include "filetoken.h"

const char *file_token(const char *name, char *out, size_t len)
{
    size_t i = 0;
    for (; len && name[i] && i + 1 < len; i++)
        out[i] = name[i] == '/' ? '_' : name[i];
    if (len)
        out[i] = '\0';
    return out;
}
