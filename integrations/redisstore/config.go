package redisstore

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Config says how to reach Redis. One address is a standalone server,
// several are a cluster, and MasterName selects Sentinel (Addrs are then
// the sentinels).
type Config struct {
	Addrs       []string      `yaml:"addrs"`
	MasterName  string        `yaml:"master_name"`
	Username    string        `yaml:"username"`
	Password    string        `yaml:"password"`
	DB          int           `yaml:"db"`
	KeyPrefix   string        `yaml:"key_prefix"`
	TLS         bool          `yaml:"tls"`
	DialTimeout time.Duration `yaml:"dial_timeout"`
}

// DefaultKeyPrefix begins every key opsbot writes unless configured.
const DefaultKeyPrefix = "opsbot"

// Validate lists every problem in the config, each as "<key>: <problem>".
func (c Config) Validate() []error {
	var errs []error
	for i, a := range c.Addrs {
		if !strings.Contains(a, ":") {
			errs = append(errs, fmt.Errorf("addrs[%d]: %q needs a port, like 127.0.0.1:6379", i, a))
		}
	}
	if c.DB != 0 && len(c.Addrs) > 1 && c.MasterName == "" {
		errs = append(errs, errors.New("db: Redis Cluster has only database 0"))
	}
	if strings.ContainsAny(c.KeyPrefix, " {}") {
		errs = append(errs, fmt.Errorf("key_prefix: %q must not contain spaces or braces", c.KeyPrefix))
	}
	if c.DialTimeout < 0 {
		errs = append(errs, errors.New("dial_timeout: must not be negative"))
	}
	return errs
}

func (c Config) withDefaults() Config {
	if c.KeyPrefix == "" {
		c.KeyPrefix = DefaultKeyPrefix
	}
	if c.DialTimeout == 0 {
		c.DialTimeout = 2 * time.Second
	}
	return c
}
