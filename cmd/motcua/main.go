// Command motcua runs motcua: the service (serve), the demo, schema
// migrations, catalogue loads and file imports. Run `motcua help` for usage.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `motcua: analytics and monitoring of one-stop-shop dossiers.

Usage:
  motcua serve   [flags]            run ingest, the API and (later) dashboards and alerts
  motcua demo    [flags]            run the stack with the Duyên Hải catalogue and demo data
  motcua migrate [flags]            apply the schema migrations
  motcua catalog load [flags] DIR   load a catalogue folder (see catalog/duyenhai/README.md)
  motcua import  [flags] FILE...    import .ndjson, .csv or .xlsx files, or --format portal
  motcua config check FILE          check a configuration file and show what motcua would run with
  motcua report weekly [--week 2024-W10] [--unit CODE] [--format xlsx|csv|json|html] [--out FILE|-]
                                    each official's online intake of a week against their target
  motcua alerts run [--once] [--at TIME] [--dry-run]
                                    tell unit heads on Slack (or a webhook) of dossiers near or past their deadline
  motcua hash-password              read a password (one line of stdin), print its bcrypt hash for the users file

Common flags:
  --config FILE           configuration file (env MOTCUA_CONFIG); flags and environment override it
  --clickhouse HOST:PORT  ClickHouse native address (env MOTCUA_CLICKHOUSE); without it,
                          motcua starts a ClickHouse server of its own under --data
  --clickhouse-password-file FILE
                          password of the ClickHouse at --clickhouse (or env MOTCUA_CLICKHOUSE_PASSWORD)
  --database NAME         database (default motcua)
  --data DIR              folder for the server motcua starts (default ./var)

serve and demo also take:
  --users FILE            users file, login,role,unit,password_bcrypt (env MOTCUA_USERS); without it
                          nobody can log in (the demo makes its own users and prints their passwords)
  --session-key-file FILE key that signs session cookies (env MOTCUA_SESSION_KEY_FILE); without it
                          sessions end when motcua restarts

Run "motcua COMMAND -h" for the flags of a command.
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(ctx, args[1:], stdout, stderr, false)
	case "demo":
		err = serve(ctx, args[1:], stdout, stderr, true)
	case "migrate":
		err = migrate(ctx, args[1:], stdout, stderr)
	case "catalog":
		err = catalogCmd(ctx, args[1:], stdout, stderr)
	case "import":
		return importCmd(ctx, args[1:], stdout, stderr)
	case "config":
		err = configCmd(args[1:], stdout, stderr)
	case "alerts":
		err = alertsCmd(ctx, args[1:], stdout, stderr)
	case "report":
		err = reportCmd(ctx, args[1:], stdout, stderr)
	case "hash-password":
		err = hashPassword(args[1:], os.Stdin, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "motcua: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err == errUsage {
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "motcua %s: %v\n", args[0], err)
		return 1
	}
	return 0
}
