package server

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/gin-gonic/gin"
)

// accessLog logs every request once answered: method, path, status,
// duration, bytes of the answer, the client's address and, for ingest, the
// source its token authenticated, or the user who read. It never logs a
// body, a query string (which could carry a token) or a header. Health
// checks and metrics scrapes log at debug level, the rest at info.
func accessLog(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		level := slog.LevelInfo
		switch c.Request.URL.Path {
		case "/healthz", "/readyz", "/metrics":
			level = slog.LevelDebug
		}
		args := []any{"method", c.Request.Method, "path", clip(c.Request.URL.Path), "status", c.Writer.Status(),
			"duration", time.Since(start).Round(time.Microsecond), "bytes", c.Writer.Size(), "client", c.Request.RemoteAddr}
		if src := c.GetString("source"); src != "" {
			args = append(args, "source", src)
		}
		if user := c.GetString("user"); user != "" {
			args = append(args, "user", user)
		}
		log.Log(c.Request.Context(), level, "http request", args...)
	}
}

// clip cuts a path to 256 bytes for the log: a client without a token must
// not be able to fill the disk with long paths.
func clip(path string) string {
	if len(path) <= 256 {
		return path
	}
	return path[:256] + fmt.Sprintf("...(%d bytes)", len(path))
}
