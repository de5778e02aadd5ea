package catalog

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/motcua/motcua"
)

func TestDuyenHai(t *testing.T) {
	c, err := Load(DuyenHai())
	if err != nil {
		t.Fatal(err)
	}
	count := map[motcua.UnitLevel]map[int]int{}
	cut := 0
	for _, p := range c.Procedures {
		if count[p.Level] == nil {
			count[p.Level] = map[int]int{}
		}
		count[p.Level][p.OnlineLevel]++
		if p.Level == motcua.LevelTown && p.CutDays > 0 {
			cut++
		}
	}
	want := map[motcua.UnitLevel][3]int{motcua.LevelTown: {38, 152, 80}, motcua.LevelCommune: {54, 33, 57}}
	for lvl, w := range want {
		for i, n := range w {
			if got := count[lvl][i+2]; got != n {
				t.Errorf("%s procedures at online level %d: got %d, want %d", lvl, i+2, got, n)
			}
		}
	}
	if cut != 165 {
		t.Errorf("town procedures with a cut time: got %d, want 165", cut)
	}
	communes := 0
	for _, u := range c.Units {
		if u.Level == motcua.LevelCommune && u.AliveAt(time.Date(2022, 6, 1, 0, 0, 0, 0, motcua.Location)) {
			communes++
		}
	}
	if communes != 7 {
		t.Errorf("communes and wards in 2022: got %d, want 7", communes)
	}
	// The 2025 reform: the seven became three.
	reform := time.Date(2025, 7, 1, 0, 0, 0, 0, motcua.Location)
	for old, cur := range map[string]string{"P1": "PDH", "LT": "PDH", "DT": "PDH", "P2": "PTLH", "TLH": "PTLH", "HT": "XLH", "LH": "XLH", "TX.MC": "TX.MC", "PDH.TT": "PDH.TT"} {
		if got := c.Current(old, reform); got != cur {
			t.Errorf("Current(%s) after the reform: %s, want %s", old, got, cur)
		}
		if got := c.Current(old, reform.Add(-time.Second)); got != old {
			t.Errorf("Current(%s) the day before the reform: %s", old, got)
		}
	}
	if err := c.ReceivesAt("P1", reform); err == nil || !strings.Contains(err.Error(), `successor "PDH" (UBND phường Duyên Hải)`) {
		t.Errorf("P1 receiving after the reform: %v", err)
	}
	if err := c.ReceivesAt("TX.MC", reform); err == nil || !strings.Contains(err.Error(), "no successor") {
		t.Errorf("TX.MC receiving after the reform: %v", err)
	}
	if err := c.ReceivesAt("PDH.TT", reform.Add(-time.Hour)); err == nil || c.ReceivesAt("PDH.TT", reform) != nil || c.ReceivesAt("P1", reform.Add(-time.Hour)) != nil {
		t.Errorf("life spans around the reform are wrong")
	}
	if u, ok := c.Unit("TLH"); !ok || u.Name != "UBND xã Trường Long Hòa" {
		t.Errorf("unit TLH: got %+v", u)
	}
	if n := len(c.Subtree("VL")); n != len(c.Units) {
		t.Errorf("subtree of VL has %d units, want all %d", n, len(c.Units))
	}
}

func TestLoadErrors(t *testing.T) {
	base := fstest.MapFS{
		"units.csv":      {Data: []byte("code,name,level,parent,head_slack_id,merged_into,merged_from\nA,Đơn vị A,town,,,,\n")},
		"procedures.csv": {Data: []byte("code,name,field,level,online_level,statutory_days,cut_days,interlinked\nP,Thủ tục,F,town,3,5,,false\n")},
		"officials.csv":  {Data: []byte("code,name,unit,weekly_online_target\n")},
		"targets.csv":    {Data: []byte("unit,year,online_share,on_time_share\n")},
	}
	f := func(file, data, want string) {
		t.Helper()
		fs := fstest.MapFS{}
		for k, v := range base {
			fs[k] = v
		}
		fs[file] = &fstest.MapFile{Data: []byte(data)}
		_, err := Load(fs)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got error %v, want one containing %q", err, want)
		}
	}
	f("units.csv", "code,name,level,parent,head_slack_id,merged_into,merged_from\nA,x,town,B,,,\n", `parent "B" is not in the unit catalogue`)
	f("units.csv", "code,name,level,parent,head_slack_id,merged_into,merged_from\nA,x,city,,,,\n", `unknown level "city"`)
	f("units.csv", "code,name,level\nA,x,town\n", `column "parent" is missing`)
	f("units.csv", "code,name,level,parent,head_slack_id,merged_into,merged_from\nA,x,town,B,,,\nB,y,town,A,,,\n", "cycle")
	f("procedures.csv", "code,name,field,level,online_level,statutory_days,cut_days,interlinked\nP,x,F,town,5,5,,false\n", `procedures.csv, line 2, column "online_level": want 1 to 4, got 5`)
	f("procedures.csv", "code,name,field,level,online_level,statutory_days,cut_days,interlinked\nP,x,F,town,3,năm,,false\n", `column "statutory_days"`)
	f("targets.csv", "unit,year,online_share,on_time_share\nZ,2022,40,\n", `unit "Z" is not in the unit catalogue`)
	f("holidays/2023.csv", "date,kind,name,guess\n2022-01-01,holiday,x,false\n", "not in the file's year 2023")
}
