package main

import (
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// The part of the Compose file format that the check reads, in its short
// and long forms.
type (
	composeFile struct {
		Services map[string]*service      `yaml:"services"`
		Volumes  map[string]any           `yaml:"volumes"`
		Secrets  map[string]composeSecret `yaml:"secrets"`
	}
	service struct {
		Image       string       `yaml:"image"`
		Build       *build       `yaml:"build"`
		Command     words        `yaml:"command"`
		Environment environment  `yaml:"environment"`
		Volumes     []mount      `yaml:"volumes"`
		Secrets     []secretRef  `yaml:"secrets"`
		Ports       []port       `yaml:"ports"`
		DependsOn   dependsOn    `yaml:"depends_on"`
		Healthcheck *healthcheck `yaml:"healthcheck"`
	}
	composeSecret struct {
		File        string `yaml:"file"`
		Environment string `yaml:"environment"`
	}
	build struct {
		Context    string `yaml:"context"`
		Dockerfile string `yaml:"dockerfile"`
	}
	healthcheck struct {
		Test []string // CMD or CMD-SHELL, then the command
	}
	words       []string
	environment map[string]string
	dependsOn   map[string]string // service: condition
	mount       struct{ Source, Target string }
	secretRef   struct{ Source, Target string }
	port        struct{ HostIP, Published, Target string }
)

// command is what the health check runs, without CMD.
func (h *healthcheck) command() []string {
	if h == nil || len(h.Test) == 0 {
		return nil
	}
	switch h.Test[0] {
	case "CMD":
		return h.Test[1:]
	case "CMD-SHELL":
		return strings.Fields(strings.Join(h.Test[1:], " "))
	}
	return h.Test
}

// calls reports whether the health check asks for the URL http://url.
func (h *healthcheck) calls(url string) bool {
	return slices.Contains(h.command(), "http://"+url)
}

func (b *build) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		b.Context = n.Value
		return nil
	}
	type plain build
	return n.Decode((*plain)(b))
}

func (w *words) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*w = strings.Fields(n.Value)
		return nil
	}
	return n.Decode((*[]string)(w))
}

func (h *healthcheck) UnmarshalYAML(n *yaml.Node) error {
	var v struct {
		Test yaml.Node `yaml:"test"`
	}
	if err := n.Decode(&v); err != nil {
		return err
	}
	if v.Test.Kind == yaml.ScalarNode {
		h.Test = []string{"CMD-SHELL", v.Test.Value}
		return nil
	}
	return v.Test.Decode(&h.Test)
}

func (e *environment) UnmarshalYAML(n *yaml.Node) error {
	*e = environment{}
	if n.Kind == yaml.SequenceNode {
		var list []string
		if err := n.Decode(&list); err != nil {
			return err
		}
		for _, kv := range list {
			k, v, _ := strings.Cut(kv, "=")
			(*e)[k] = v
		}
		return nil
	}
	return n.Decode((*map[string]string)(e))
}

func (d *dependsOn) UnmarshalYAML(n *yaml.Node) error {
	*d = dependsOn{}
	if n.Kind == yaml.SequenceNode {
		var list []string
		if err := n.Decode(&list); err != nil {
			return err
		}
		for _, s := range list {
			(*d)[s] = "service_started"
		}
		return nil
	}
	var m map[string]struct {
		Condition string `yaml:"condition"`
	}
	if err := n.Decode(&m); err != nil {
		return err
	}
	for s, c := range m {
		(*d)[s] = c.Condition
	}
	return nil
}

func (m *mount) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		parts := strings.Split(n.Value, ":")
		if len(parts) == 1 {
			m.Target = parts[0]
		} else {
			m.Source, m.Target = parts[0], parts[1]
		}
		return nil
	}
	var long struct{ Source, Target string }
	err := n.Decode(&long)
	*m = mount(long)
	return err
}

func (r *secretRef) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		r.Source = n.Value
	} else if err := n.Decode(&struct {
		Source *string `yaml:"source"`
		Target *string `yaml:"target"`
	}{&r.Source, &r.Target}); err != nil {
		return err
	}
	if r.Target == "" {
		r.Target = r.Source
	}
	if !strings.HasPrefix(r.Target, "/") {
		r.Target = "/run/secrets/" + r.Target
	}
	return nil
}

func (p *port) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		v, _, _ := strings.Cut(n.Value, "/")
		parts := strings.Split(v, ":")
		switch len(parts) {
		case 1:
			p.Target = parts[0]
		case 2:
			p.Published, p.Target = parts[0], parts[1]
		default:
			p.HostIP, p.Published, p.Target = strings.Join(parts[:len(parts)-2], ":"), parts[len(parts)-2], parts[len(parts)-1]
		}
		return nil
	}
	return n.Decode(&struct {
		HostIP    *string `yaml:"host_ip"`
		Published *string `yaml:"published"`
		Target    *string `yaml:"target"`
	}{&p.HostIP, &p.Published, &p.Target})
}
