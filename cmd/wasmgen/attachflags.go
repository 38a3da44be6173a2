package main

import (
	"fmt"
	"io"

	"github.com/spf13/pflag"
	"github.com/wasmgen/wasmgen/compat"
	"github.com/wasmgen/wasmgen/generate"
)

// attachFlags registers --envoy-gateway-version and --istio-root-namespace (issue
// 14); the returned function parses them into the generator's options.
func attachFlags(fs *pflag.FlagSet) func(o *generate.Options, stderr io.Writer) error {
	eg := fs.String("envoy-gateway-version", "", "Envoy Gateway version an EnvoyExtensionPolicy is written for and checked against, e.g. 1.3, 1.6 (default: the newest wasmgen knows, "+compat.NewestEnvoyGateway.String()+")")
	root := fs.String("istio-root-namespace", compat.DefaultRootNamespace, "the mesh's root namespace (meshConfig.rootNamespace), where a GatewayClass-targeted policy must live")
	return func(o *generate.Options, stderr io.Writer) error {
		o.RootNamespace = *root
		if *eg == "" {
			return nil
		}
		v, err := compat.ParseEnvoyGateway(*eg)
		if err != nil {
			return fmt.Errorf("--envoy-gateway-version: %v", err)
		}
		if known, newer := v.Known(); newer {
			fmt.Fprintf(stderr, "wasmgen: note: --envoy-gateway-version %s is newer than the newest release wasmgen knows; emitting and checking for %s\n", *eg, known)
			v = known
		}
		o.EnvoyGateway = v
		return nil
	}
}
