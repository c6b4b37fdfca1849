package config

import (
	"errors"
	"os"
	"strings"
	"testing"
)

type sshSection struct {
	KeyFile string `yaml:"key_file"` // a path: a field of its own
	Token   string `yaml:"token"`
}

type root struct {
	SSH   sshSection        `yaml:"ssh"`
	Names map[string]string `yaml:"names"`
	List  []sshSection      `yaml:"list"`
}

func loader(env map[string]string, files map[string]string) *Loader {
	return &Loader{
		Getenv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		ReadFile: func(p string) ([]byte, error) {
			if v, ok := files[p]; ok {
				return []byte(v), nil
			}
			return nil, os.ErrNotExist
		},
	}
}

func TestFileKeysEnvAndSecrets(t *testing.T) {
	src := `ssh:
  key_file: /etc/key
  token_file: /run/tok
names:
  a: ${A}
  b: ${B:-fallback}
list:
  - {token_file: /run/tok2}
`
	var r root
	doc := loader(map[string]string{"A": "from-env"}, map[string]string{"/run/tok": "s3cret-token\n", "/run/tok2": "other-token"}).
		Load("t.yaml", strings.NewReader(src), &r)
	if !doc.Report().OK() {
		t.Fatal(doc.Report())
	}
	if r.SSH.KeyFile != "/etc/key" {
		t.Errorf("key_file (a field) = %q, want the path untouched", r.SSH.KeyFile)
	}
	if r.SSH.Token != "s3cret-token" || r.List[0].Token != "other-token" {
		t.Errorf("token_file not read: %+v", r)
	}
	if r.Names["a"] != "from-env" || r.Names["b"] != "fallback" {
		t.Errorf("env expansion: %+v", r.Names)
	}
	secrets := strings.Join(doc.Secrets(), ",")
	if !strings.Contains(secrets, "s3cret-token") || !strings.Contains(secrets, "other-token") {
		t.Errorf("secrets = %q", secrets)
	}
}

func TestEveryProblemWithItsLine(t *testing.T) {
	src := "ssh:\n  tokn: x\n  token_file: /missing\nnames: ${UNSET}\nextra: 1\n"
	var r root
	doc := loader(nil, nil).Load("t.yaml", strings.NewReader(src), &r)
	got := doc.Report().String()
	for _, want := range []string{
		`line 2: ssh.tokn: unknown key (did you mean "token"?)`,
		"line 3: ssh.token_file: cannot read /missing",
		"line 4: names: environment variable UNSET is not set",
		"line 5: extra: unknown key",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
	doc.AddErrors("ssh", []error{errors.New("token: too short")}, true)
	if w := doc.Report().Warnings; len(w) != 1 || w[0].Line != 1 || w[0].Path != "ssh.token" {
		t.Errorf("warnings = %+v", w)
	}
}
