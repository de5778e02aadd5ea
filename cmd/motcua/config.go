package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/motcua/motcua/access"
	"github.com/motcua/motcua/config"
)

// configPath finds --config FILE among the arguments, before the flags are
// parsed (the file gives the flags their defaults), else env MOTCUA_CONFIG.
func configPath(args []string) string {
	for i, a := range args {
		if a == "--" {
			break
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "config" {
			continue
		}
		if hasValue {
			return value
		}
		if i+1 < len(args) {
			return args[i+1]
		}
	}
	return os.Getenv("MOTCUA_CONFIG")
}

// loadConfig reads the configuration: defaults, the file, then the
// environment; the flags parsed next override them.
func loadConfig(args []string) (config.Config, error) {
	return config.Load(configPath(args), os.Getenv)
}

// registerConfigFlag declares --config so that parsing accepts it; its value
// was read by configPath.
func registerConfigFlag(fs *flag.FlagSet) {
	fs.String("config", "", "configuration `FILE` (YAML; env MOTCUA_CONFIG): flags and environment override it")
}

// configCmd runs `motcua config check FILE`.
func configCmd(args []string, stdout, stderr io.Writer) error {
	if len(args) != 2 || args[0] != "check" {
		fmt.Fprintln(stderr, "usage: motcua config check FILE")
		return errUsage
	}
	cfg, err := config.Load(args[1], os.Getenv)
	if err != nil {
		return err
	}
	if cfg.Serve.Users != "" {
		us, err := access.LoadUsers(cfg.Serve.Users)
		if err != nil {
			return err
		}
		defer fmt.Fprintf(stdout, "# users: %d in %s (their units are checked against the catalogue at start)\n", us.Len(), cfg.Serve.Users)
	}
	fmt.Fprintf(stdout, "# %s is valid; with the environment, motcua runs with:\n", args[1])
	return cfg.Print(stdout)
}
