/* main.c - the tokbench command line: dispatch to cli/cmd_<name>.c. Output
 * for people on stdout, progress and diagnostics on stderr; exit 0 on
 * success, 1 when a check finds a regression, 2 on usage errors, 3 on bad
 * input or a missing resource. */
#include <stdio.h>
#include <string.h>

#include "commands.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        commands_print_usage(stderr);
        return TB_EUSAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return cmd_help(1, argv);
    if (strcmp(argv[1], "--version") == 0)
        return cmd_version(0, NULL);
    const cli_entry *e = commands_find(argv[1]);
    if (e)
        return e->fn(argc - 1, argv + 1);
    fprintf(stderr, "tokbench: unknown command '%s' (see 'tokbench help')\n", argv[1]);
    return TB_EUSAGE;
}
