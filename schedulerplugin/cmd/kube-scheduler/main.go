// Command kube-scheduler is the upstream kube-scheduler (k8s v1.37) with
// ecotel's carbon-aware plugins compiled in: SCIScore (Score, PreScore and an
// optional Filter) and CarbonDeferral (PreEnqueue). Enable them in a profile
// of a KubeSchedulerConfiguration; see schedulerplugin/README.md.
package main

import (
	"os"

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"          // --logging-format=json
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // client-go metrics on /metrics
	_ "k8s.io/component-base/metrics/prometheus/version"  // build version metric
	"k8s.io/kubernetes/cmd/kube-scheduler/app"

	"github.com/ecotel/ecotel/schedulerplugin/pkg/carbondeferral"
	"github.com/ecotel/ecotel/schedulerplugin/pkg/sciscore"
)

func main() {
	os.Exit(cli.Run(app.NewSchedulerCommand(
		app.WithPlugin(sciscore.Name, sciscore.New),
		app.WithPlugin(carbondeferral.Name, carbondeferral.New),
	)))
}
