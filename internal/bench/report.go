package bench

import (
	"fmt"
	"strings"
)

// Table formats a report for a person.
func (r *Report) Table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "tier %s: %d jobs, %d candidates; most popular skill in %.0f%% of jobs; %d cores\n",
		r.Tier, r.Jobs, r.Candidates, 100*r.TopSkillShare, r.MachineCores)
	if r.RedisUsedMemory > 0 {
		fmt.Fprintf(&b, "Redis used_memory %.1f MB = %.0f bytes per stored profile (index entries included); preload %.1fs\n",
			float64(r.RedisUsedMemory)/(1<<20), r.RedisBytesPerProfile, r.PreloadSeconds)
	}
	if r.Replicas > 0 {
		fmt.Fprintf(&b, "topology: %d matchd replica(s); %d NATS server(s), streams R%d; %d Redis primary(ies)\n",
			r.Replicas, r.NATSServers, r.StreamReplicas, r.RedisMasters)
	}
	if r.MatchdPeakRSS > 0 {
		fmt.Fprintf(&b, "matchd peak RSS %.0f MB (largest replica), %.0f MB (all replicas)\n",
			float64(r.MatchdPeakRSS)/(1<<20), float64(r.MatchdPeakRSSTotal)/(1<<20))
	}
	fmt.Fprintf(&b, "\n%-28s %8s %8s %9s %8s %8s %8s %9s %9s   %s\n", "phase", "events", "rate", "events/s", "matches", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "CPU ms/event: matchd redis machine")
	for _, p := range r.Phases {
		rate := "max"
		if p.Rate > 0 {
			rate = fmt.Sprint(p.Rate)
		}
		fmt.Fprintf(&b, "%-28s %8d %8s %9.0f %8d %8.1f %8.1f %9.1f %9.1f   %6.2f %5.2f %7.2f\n", p.Name, p.Events, rate, p.EventsPerSec, p.Matches, p.P50, p.P99, p.P999, p.Max,
			p.CPUPerEventMS, p.RedisCPUPerEventMS, p.MachineCPUPerEventMS)
		if p.LastMatchAfterPublishMS > 0 {
			fmt.Fprintf(&b, "%-28s last match event %.0f ms after the last publish\n", "", p.LastMatchAfterPublishMS)
		}
	}
	if r.Ceilings.JetStreamConsumeAck > 0 { // measured (not skipped)
		fmt.Fprintf(&b, "\nceilings of this machine (same servers, same run):\n")
		fmt.Fprintf(&b, "  JetStream consume+ack        %9.0f msg/s\n", r.Ceilings.JetStreamConsumeAck)
		fmt.Fprintf(&b, "  bare pipeline (pull→Redis→publish→ack) %9.0f msg/s\n", r.Ceilings.BarePipeline)
		fmt.Fprintf(&b, "  Redis pipelined              %9.0f ops/s\n", r.Ceilings.RedisPipelined)
		if r.Baseline.Queries > 0 {
			fmt.Fprintf(&b, "  ZUNIONSTORE retrieval baseline %7.1f queries/s (%.0f distinct jobs per query)\n", r.Baseline.QueriesPerSecond, r.Baseline.JobsPerQuery)
		}
		if len(r.Phases) > 0 && r.Phases[0].Kind == "candidate" {
			fmt.Fprintf(&b, "\ncandidate events at full speed, as ratios:\n")
			if r.CandidateVsBaseline > 0 {
				fmt.Fprintf(&b, "  %.0f× the ZUNIONSTORE baseline\n", r.CandidateVsBaseline)
			}
			fmt.Fprintf(&b, "  %.2f of the JetStream consume+ack ceiling\n", r.CandidateVsJetStream)
			fmt.Fprintf(&b, "  %.2f of the bare pipeline ceiling\n", r.CandidateVsPipeline)
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	return b.String()
}
