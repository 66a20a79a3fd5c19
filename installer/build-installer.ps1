# Builds the Windows installer (installer/latsar-desktop.iss) from dist\latsar-desktop\,
# which scripts/build-bundles makes first. Run from anywhere, on Windows:
#   pwsh installer/build-installer.ps1        (or: powershell -File installer\build-installer.ps1)
# It uses Inno Setup's ISCC.exe when installed (Program Files or the user's
# %LOCALAPPDATA%\Programs), and installs Inno Setup with Chocolatey when it is not and
# Chocolatey is there (GitHub's Windows runners); it downloads Inno Setup's unofficial
# Indonesian translation, pinned and checked by SHA-256, into build\inno\; it reads the
# version from the installed package (the Python on PATH, or $env:PYTHON).
# Output: dist\installer\latsar-desktop-<version>-setup.exe
$ErrorActionPreference = 'Stop'
Set-Location (Split-Path -Parent $PSScriptRoot)

$bundle = 'dist\latsar-desktop\latsar-desktop.exe'
if (-not (Test-Path $bundle)) {
    throw "$bundle is missing: build the bundles first (scripts/build-bundles)"
}

function Find-Iscc {
    $places = @(
        "${env:ProgramFiles(x86)}\Inno Setup *\ISCC.exe",
        "$env:ProgramFiles\Inno Setup *\ISCC.exe",
        "$env:LOCALAPPDATA\Programs\Inno Setup *\ISCC.exe"
    )
    $found = Get-ChildItem -Path $places -ErrorAction SilentlyContinue |
        Sort-Object FullName -Descending | Select-Object -First 1
    if ($found) { return $found.FullName }
    $command = Get-Command ISCC.exe -ErrorAction SilentlyContinue
    if ($command) { return $command.Source }
    return $null
}

$iscc = Find-Iscc
if (-not $iscc) {
    if (-not (Get-Command choco -ErrorAction SilentlyContinue)) {
        throw 'Inno Setup (ISCC.exe) is not installed: install Inno Setup 6.3 or newer'
    }
    choco install innosetup -y --no-progress
    if ($LASTEXITCODE -ne 0) { throw "choco install innosetup failed ($LASTEXITCODE)" }
    $iscc = Find-Iscc
    if (-not $iscc) { throw 'ISCC.exe not found after installing Inno Setup' }
}
Write-Host "Inno Setup compiler: $iscc"

# Inno Setup's Indonesian messages: an unofficial translation that its installer does not
# ship, taken from its repository at a fixed commit (the file's latest change) and checked.
$isl = 'build\inno\Indonesian.isl'
$islCommit = 'b88bd653e04a59f9e84483d7186cfca383b8abff'
$islSha256 = '06232EFFF765902DDF7BE78E39F1C5471B7E35F4C7C537DEEB76692F3B5E208D'
$islUrl = "https://raw.githubusercontent.com/jrsoftware/issrc/$islCommit/Files/Languages/Unofficial/Indonesian.isl"
New-Item -ItemType Directory -Force -Path (Split-Path -Parent $isl) | Out-Null
if (-not (Test-Path $isl) -or (Get-FileHash $isl -Algorithm SHA256).Hash -ne $islSha256) {
    Invoke-WebRequest -Uri $islUrl -OutFile $isl -UseBasicParsing
}
$hash = (Get-FileHash $isl -Algorithm SHA256).Hash
if ($hash -ne $islSha256) { throw "$isl has SHA-256 $hash, expected $islSha256" }

$python = if ($env:PYTHON) { $env:PYTHON } else { 'python' }
$version = (& $python -c 'import latsar_desktop; print(latsar_desktop.__version__)').Trim()
if ($LASTEXITCODE -ne 0 -or -not $version) { throw "cannot read the version with $python" }
Write-Host "Latsar Desktop $version"

& $iscc "/DAppVersion=$version" 'installer\latsar-desktop.iss'
if ($LASTEXITCODE -ne 0) { throw "ISCC failed ($LASTEXITCODE)" }
Get-ChildItem 'dist\installer\*.exe' | ForEach-Object { Write-Host "$($_.FullName): $($_.Length) bytes" }
