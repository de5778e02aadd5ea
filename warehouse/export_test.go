package warehouse

import "context"

// SetRefoldPage makes RefoldAll's pages about n dossiers until the returned
// func is called.
func SetRefoldPage(n int) func() {
	old := refoldPage
	refoldPage = n
	return func() { refoldPage = old }
}

// CutMigration makes Migrate stop before statement i (0-based) of migration
// version, as a process killed there would, until the returned func is
// called.
func CutMigration(version uint32, i int) func() {
	cutMigration.version, cutMigration.statement, cutMigration.part = version, i, 0
	return func() { cutMigration.version, cutMigration.statement = 0, 0 }
}

// CutMigrationWithin makes Migrate, on a cluster, stop within statement i of
// migration version, after the first part statements made of it.
func CutMigrationWithin(version uint32, i, part int) func() {
	cutMigration.version, cutMigration.statement, cutMigration.part = version, i, part
	return func() { cutMigration.version, cutMigration.statement, cutMigration.part = 0, 0, 0 }
}

// AsMigrated returns a statement of a migration as Migrate runs it on w's
// server (without the settings of a table that the server does not know).
func (w *Warehouse) AsMigrated(ctx context.Context, st string) (string, error) {
	unknown, err := w.unknownTableSettings(ctx)
	if err != nil {
		return "", err
	}
	return withoutSettings(st, unknown), nil
}
