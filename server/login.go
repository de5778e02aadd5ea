package server

import (
	"crypto/rand"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

//go:embed login.html
var pageFiles embed.FS

var pages = template.Must(template.ParseFS(pageFiles, "login.html"))

// loginPage is what the login form shows.
type loginPage struct {
	Nonce string
	Login string
	Next  string
	Error string
}

// render writes the template name with a Content-Security-Policy that lets
// only the page's own style (by its nonce) and forms to this server run.
func render(c *gin.Context, status int, name string, data func(nonce string) any) {
	nonce := rand.Text()
	h := c.Writer.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'nonce-"+nonce+"'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	c.Status(status)
	if err := pages.ExecuteTemplate(c.Writer, name, data(nonce)); err != nil {
		c.Error(err)
	}
}

// Messages of the login form.
const (
	msgBadLogin = "Sai tên đăng nhập hoặc mật khẩu."
	msgLimited  = "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %s."
)

// loginForm serves GET /login.
func (s *Server) loginForm(c *gin.Context) {
	render(c, http.StatusOK, "login", func(nonce string) any {
		return loginPage{Nonce: nonce, Next: safeNext(c.Query("next"))}
	})
}

// loginPost serves POST /login: form fields login, password and next. A
// success sets the session cookie and sends the reader on to next.
func (s *Server) loginPost(c *gin.Context) {
	if err := sameOrigin(c.Request); err != nil {
		forbiddenForm(c, err)
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 16<<10)
	login, password, next := strings.TrimSpace(c.PostForm("login")), c.PostForm("password"), safeNext(c.PostForm("next"))
	u, err := s.login(c.Request, login, password)
	var lim errLimited
	switch {
	case errors.As(err, &lim):
		c.Header("Retry-After", retryAfter(lim.wait))
		render(c, http.StatusTooManyRequests, "login", func(nonce string) any {
			return loginPage{Nonce: nonce, Login: login, Next: next, Error: fmt.Sprintf(msgLimited, minutes(lim.wait))}
		})
		return
	case err != nil:
		// 401 without WWW-Authenticate: a browser shows the form again
		// instead of asking for HTTP Basic.
		render(c, http.StatusUnauthorized, "login", func(nonce string) any {
			return loginPage{Nonce: nonce, Login: login, Next: next, Error: msgBadLogin}
		})
		return
	}
	value, ok := s.sessions.issue(u.Login, time.Now())
	if !ok {
		render(c, http.StatusUnauthorized, "login", func(nonce string) any {
			return loginPage{Nonce: nonce, Login: login, Next: next, Error: msgBadLogin}
		})
		return
	}
	s.setSessionCookie(c, value, int(s.sessions.ttl.Seconds()))
	s.log.Info("login", "user", u.Login, "client", clientAddr(c.Request))
	c.Header("Cache-Control", "no-store")
	c.Redirect(http.StatusSeeOther, next)
}

// logout serves POST /logout: it clears the session cookie.
func (s *Server) logout(c *gin.Context) {
	if err := sameOrigin(c.Request); err != nil {
		forbiddenForm(c, err)
		return
	}
	if u, ok := s.sessions.user(c.Request, time.Now()); ok {
		// The cookie could have been copied: end the session on this side.
		s.sessions.revoke(u.Login, time.Now())
	}
	s.setSessionCookie(c, "", -1)
	c.Header("Cache-Control", "no-store")
	c.Redirect(http.StatusSeeOther, "/login")
}

// setSessionCookie sets (or, with maxAge < 0, clears) the session cookie:
// HttpOnly, SameSite=Lax, and Secure when the request came over TLS,
// directly or through a proxy that says so.
func (s *Server) setSessionCookie(c *gin.Context, value string, maxAge int) {
	secure := c.Request.TLS != nil || strings.EqualFold(c.GetHeader("X-Forwarded-Proto"), "https")
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
}

// forbiddenForm answers a form sent from another site.
func forbiddenForm(c *gin.Context, err error) {
	c.Header("Cache-Control", "no-store")
	c.String(http.StatusForbidden, "403 Forbidden: Yêu cầu bị từ chối vì không được gửi từ một trang của motcua.\n"+
		"The request is refused: %s. Open the form on motcua itself and send it again.\n", err)
}

// minutes writes a wait in whole minutes, rounded up, in Vietnamese.
func minutes(d time.Duration) string {
	return fmt.Sprintf("%d phút", max(1, int((d+time.Minute-1)/time.Minute)))
}
