package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/motcua/motcua/ingest"
	"github.com/motcua/motcua/server"
)

// demoToken is the ingest token of the demo, for trying the API by hand.
const demoToken = "demo:motcua-demo-token"

func serve(ctx context.Context, args []string, stdout, stderr io.Writer, demo bool) error {
	name := "serve"
	if demo {
		name = "demo"
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf stackFlags
	sf.register(fs)
	listen := fs.String("listen", envOr("MOTCUA_LISTEN", "127.0.0.1:8080"), "`ADDR` to serve HTTP on")
	catDir := fs.String("catalog", "", "catalogue `DIR` to load on start (default: keep the stored one, or load the shipped Duyên Hải one)")
	tokens := tokenFlags{}
	fs.Var(tokens, "ingest-token", "`SOURCE:TOKEN` that may post events (repeatable; env MOTCUA_INGEST_TOKENS=SOURCE:TOKEN,...)")
	maxBody := fs.Int64("max-body", ingest.DefaultConfig().MaxBody, "largest request body in `BYTES`")
	if demo {
		sf.data = "var/demo"
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if env := envOr("MOTCUA_INGEST_TOKENS", ""); env != "" {
		if err := tokens.Set(env); err != nil {
			return fmt.Errorf("MOTCUA_INGEST_TOKENS: %w", err)
		}
	}
	if demo && len(tokens) == 0 {
		tokens.Set(demoToken)
	}
	log := newLogger(stderr)
	if len(tokens) == 0 {
		log.Warn("no ingest token is configured: POST /api/v1/events will refuse every request; add --ingest-token SOURCE:TOKEN")
	}
	st, err := sf.open(ctx, log)
	if err != nil {
		return err
	}
	defer st.close()
	if _, err := st.ensureCatalog(ctx, *catDir, log); err != nil {
		return err
	}
	cfg := server.Config{Listen: *listen, Ingest: ingest.Config{Tokens: tokens, MaxBody: *maxBody}}
	srv := server.New(cfg, st.wh, log)
	if err := srv.Start(ctx); err != nil {
		return err
	}
	url := "http://" + srv.Addr()
	fmt.Fprintf(stdout, "motcua is listening on %s (ClickHouse database %q)\n", url, st.wh.Database())
	fmt.Fprintf(stdout, "  units:      %s/api/v1/units\n  procedures: %s/api/v1/procedures\n  metrics:    %s/metrics\n", url, url, url)
	if demo {
		fmt.Fprintf(stdout, "  post events: curl -H 'Authorization: Bearer motcua-demo-token' --data-binary @events.ndjson %s/api/v1/events\n", url)
	}
	fmt.Fprintln(stdout, "Press Ctrl+C to stop.")
	<-ctx.Done()
	log.Info("stopping")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return srv.Stop(sctx)
}
