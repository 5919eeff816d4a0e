//go:build e2e

package e2e

import (
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/ecotel/ecotel/internal/e2e"
)

var demoZones = []string{"DE-LU", "FR", "SE-3", "SE-4"}

// TestE2EStatusPageInChromium loads the ecostatus page of the running demo
// in headless Chromium (Debian package) as a person would, and checks what
// it renders: the four bidding zones with intensity, price and mix, the six
// demo nodes ranked greenest first with their hardware profile, and the top
// pods by SCI with their components. It leaves a screenshot in
// test-artifacts/status-page.png.
func TestE2EStatusPageInChromium(t *testing.T) {
	chromium := e2e.NewChromium(t)
	d := startDemo(t, sciTiming{window: "10s", interval: "5s", delay: "4s"})
	d.waitForFullStatus(t, demoZones, 90*time.Second)

	dom := chromium.DumpDOM(t, d.statusURL())
	doc, err := html.Parse(strings.NewReader(dom))
	if err != nil {
		t.Fatalf("parse the DOM Chromium rendered: %v", err)
	}

	// Zones: every demo zone, with a lifecycle intensity badge, a price and
	// a drawn mix.
	zones := rowsWith(doc, "data-zone")
	if got := keys(zones); !slices.Equal(got, demoZones) {
		t.Errorf("zones rendered %v, want %v", got, demoZones)
	}
	for code, row := range zones {
		text := textOf(row)
		if find(row, func(n *html.Node) bool { return hasClass(n, "badge") }) == nil {
			t.Errorf("zone %s: no intensity badge: %q", code, text)
		}
		if !regexp.MustCompile(`\d+\.\d\d EUR/MWh`).MatchString(text) {
			t.Errorf("zone %s: no day-ahead price: %q", code, text)
		}
		if n := len(findAll(row, func(n *html.Node) bool { return n.Data == "rect" })); n < 3 {
			t.Errorf("zone %s: mix bar has %d fuels, want several", code, n)
		}
	}

	// Nodes: all six, ranked by the ranking signal (ascending), each with
	// its profile, PUE and node SCI.
	nodeRows := orderedRowsWith(doc, "data-node")
	var names []string
	prev := -1.0
	for _, row := range nodeRows {
		name := attr(row, "data-node")
		names = append(names, name)
		cells := cellsOf(row)
		if len(cells) < 10 {
			t.Fatalf("node %s: %d cells, want 10: %q", name, len(cells), textOf(row))
		}
		signal, err := strconv.ParseFloat(cells[5], 64)
		if err != nil {
			t.Errorf("node %s: ranking signal %q: %v", name, cells[5], err)
		}
		if signal < prev {
			t.Errorf("node %s (%g) ranked after a node with %g: not greenest first", name, signal, prev)
		}
		prev = signal
		if cells[3] == "" || cells[7] == "–" || !strings.HasSuffix(cells[9], "g/hour") {
			t.Errorf("node %s: profile %q, PUE %q, SCI %q: incomplete", name, cells[3], cells[7], cells[9])
		}
	}
	var wantNodes []string
	for _, n := range d.inv.Nodes {
		wantNodes = append(wantNodes, n.Name)
	}
	if got, want := sortedCopy(names), sortedCopy(wantNodes); !slices.Equal(got, want) {
		t.Errorf("nodes rendered %v, want %v", got, want)
	}

	// Pods: the page's top_pods (20) of the demo's 24, highest SCI first,
	// each a demo pod with its SCI and components.
	podRows := orderedRowsWith(doc, "data-pod")
	if want := min(20, len(d.inv.Pods)); len(podRows) != want {
		t.Fatalf("%d pods rendered, want the top %d", len(podRows), want)
	}
	known := map[string]string{}
	for _, p := range d.inv.Pods {
		known[p.UID] = p.Namespace + "/" + p.Name
	}
	prev = -1
	for i, row := range podRows {
		uid := attr(row, "data-pod")
		cells := cellsOf(row)
		if len(cells) < 11 {
			t.Fatalf("pod %s: %d cells, want 11: %q", uid, len(cells), textOf(row))
		}
		if known[uid] != cells[0] {
			t.Errorf("pod row %d: uid %s shows %q, want %q", i, uid, cells[0], known[uid])
		}
		score, err := strconv.ParseFloat(strings.TrimSuffix(cells[3], " g/hour"), 64)
		if err != nil {
			t.Errorf("pod %s: SCI %q: %v", cells[0], cells[3], err)
		}
		if i > 0 && score > prev {
			t.Errorf("pod %s (%g) listed after one with %g: not highest first", cells[0], score, prev)
		}
		prev = score
		if len(findAll(row, func(n *html.Node) bool { return n.Data == "rect" })) != 2 {
			t.Errorf("pod %s: no operational/embodied split bar", cells[0])
		}
	}

	shot := e2e.ArtifactPath(t, "status-page.png")
	chromium.Screenshot(t, d.statusURL(), shot)
	if info, err := os.Stat(shot); err == nil {
		t.Logf("status page screenshot: %s (%d bytes)", shot, info.Size())
	}
}

// rowsWith returns the elements carrying attribute key, by its value.
func rowsWith(doc *html.Node, key string) map[string]*html.Node {
	out := map[string]*html.Node{}
	for _, n := range orderedRowsWith(doc, key) {
		out[attr(n, key)] = n
	}
	return out
}

// orderedRowsWith returns the elements carrying attribute key, in document order.
func orderedRowsWith(doc *html.Node, key string) []*html.Node {
	return findAll(doc, func(n *html.Node) bool { return n.Type == html.ElementNode && attr(n, key) != "" })
}

func findAll(root *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	return out
}

func find(root *html.Node, match func(*html.Node) bool) *html.Node {
	if all := findAll(root, match); len(all) > 0 {
		return all[0]
	}
	return nil
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasClass(n *html.Node, class string) bool {
	return slices.Contains(strings.Fields(attr(n, "class")), class)
}

// textOf returns the visible text under n (SVG tooltips left out), with
// whitespace collapsed.
func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "svg" {
			return
		}
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

// cellsOf returns the text of a table row's cells.
func cellsOf(row *html.Node) []string {
	var out []string
	for c := row.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.Data == "td" {
			out = append(out, textOf(c))
		}
	}
	return out
}

func keys(m map[string]*html.Node) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
