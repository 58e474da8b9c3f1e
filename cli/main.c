/* main.c - the tokbench command line: dispatch to cli/cmd_<name>.c. Output
 * for people on stdout, progress and diagnostics on stderr; exit 0 on
 * success, 1 when a check finds a regression, 2 on usage errors, 3 on bad
 * input or a missing resource. SIGINT/SIGTERM/SIGHUP also end the external
 * programs tokbench is running (cli_install_signal_handlers). */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "setup.h"

int main(int argc, char **argv)
{
    cli_install_signal_handlers();
    if (argc < 2) {
        commands_print_usage(stderr);
        return TB_EUSAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
        name = "help";
    else if (strcmp(name, "--version") == 0)
        name = "version";
    const cli_entry *e = commands_find(name);
    if (e)
        return commands_dispatch(e, name == argv[1] ? argc - 1 : 1, argv + 1);
    fprintf(stderr, "tokbench: unknown command '%s' (see 'tokbench help')\n", argv[1]);
    return TB_EUSAGE;
}
