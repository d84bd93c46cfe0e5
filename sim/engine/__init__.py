"""The engine: ensembles of runs in chunks (ensemble), where chunks run (executor), per-chunk
integer summaries (summary), the result folder (folder, tables, manifest), and the one run
function every caller uses (run.run_to_folder)."""
