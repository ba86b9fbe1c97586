// Command hikeshi runs the Hikeshi security platform and its administration
// commands. Run "hikeshi -h" for the list of commands.
package main

import (
	"context"
	"os"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr))
}
