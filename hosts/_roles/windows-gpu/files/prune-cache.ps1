# Remove Hugging Face cache entries (blobs) not accessed for -Days days.
# Managed by converge: edits are overwritten.
param([int]$Days = 30)
$cache = 'C:\ProgramData\vllm\cache'
if (-not (Test-Path -LiteralPath $cache)) { return }
$limit = (Get-Date).AddDays(-$Days)
Get-ChildItem -LiteralPath $cache -Recurse -File |
  Where-Object { $_.LastAccessTime -lt $limit } |
  Remove-Item -Force
