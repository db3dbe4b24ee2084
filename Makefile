# PipeNet: every entry point is a make target. `make demo` and `make test` work on a fresh Debian.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
QGIS_PROCESS := $(CURDIR)/scripts/qgis_process
QGIS_PROFILE_ROOT ?= $(or $(QGIS_CUSTOM_CONFIG_PATH),$(HOME)/.local/share/QGIS/QGIS3)
PLUGIN_LINK := $(QGIS_PROFILE_ROOT)/profiles/default/python/plugins/pipenet
DEMO_OUT ?= $(CURDIR)/demo-output
VERSION := $(shell sed -n 's/^version=//p' metadata.txt)
, := ,
export QT_QPA_PLATFORM ?= offscreen
export XDG_RUNTIME_DIR ?= /tmp/runtime-$(shell id -u)

.PHONY: setup test test-core lint demo install package bench styles translations clean

setup:
	@bash scripts/setup.sh

QM := i18n/pipenet_zh_CN.qm

$(QM): i18n/pipenet_zh_CN.ts
	lrelease -silent $< -qm $@

translations: setup
	python3 scripts/update_ts.py
	lrelease -silent i18n/pipenet_zh_CN.ts -qm $(QM)

test: setup $(QM)
	@mkdir -p $(XDG_RUNTIME_DIR) && chmod 700 $(XDG_RUNTIME_DIR)
	$(VENV)/bin/ruff check .
	$(PY) -P -m pytest --import-mode=importlib -p no:cacheprovider -q tests

test-core: setup
	$(PY) -P -m pytest --import-mode=importlib -p no:cacheprovider -q tests/network

lint: setup
	$(VENV)/bin/ruff check .

install: setup $(QM)
	@mkdir -p "$(dir $(PLUGIN_LINK))" $(XDG_RUNTIME_DIR)
	@if [ -L "$(PLUGIN_LINK)" ] || [ ! -e "$(PLUGIN_LINK)" ]; then ln -sfn "$(CURDIR)" "$(PLUGIN_LINK)"; \
	 else echo "$(PLUGIN_LINK) exists and is not a link: remove it first"; exit 1; fi
	@$(QGIS_PROCESS) plugins enable pipenet >/dev/null 2>&1 || true
	@echo "PipeNet linked into $(PLUGIN_LINK) and enabled for QGIS and qgis_process."

# the demo's storm formula: Shanghai's published q = 1600(1 + 0.846 lg P)/(t + 7)^0.656, i.e. A1 = 1600/167
DEMO_STORM = PIPES="$(DEMO_OUT)/county.gpkg|layername=pipes" NODES="$(DEMO_OUT)/county.gpkg|layername=nodes" \
	A1=9.581 C=0.846 B=7 N=0.656

demo: install
	@mkdir -p $(DEMO_OUT)
	@if [ ! -f "$(DEMO_OUT)/county.gpkg" ]; then \
	    $(QGIS_PROCESS) run pipenet:samplenetwork -- KM=1180 SEED=1 OUTPUT="$(DEMO_OUT)/county.gpkg"; fi
	$(QGIS_PROCESS) run pipenet:networkaudit -- \
	    PIPES="$(DEMO_OUT)/county.gpkg|layername=pipes" NODES="$(DEMO_OUT)/county.gpkg|layername=nodes" \
	    DEFECTS="$(DEMO_OUT)/county.gpkg|layername=defects" EVENTS="$(DEMO_OUT)/county.gpkg|layername=events" \
	    OUTPUT_FOLDER="$(DEMO_OUT)/audit"
	@echo
	@echo "PipeNet demo on a generated 1180 km county network ($(DEMO_OUT)/county.gpkg):"
	@echo "  GeoPackage   $(DEMO_OUT)/audit/pipenet_audit.gpkg"
	@echo "  QGIS project $(DEMO_OUT)/audit/pipenet_audit.qgz   (open it in QGIS)"
	@echo "  Overview map $(DEMO_OUT)/audit/overview.png"
	@echo "  Summary      $(DEMO_OUT)/audit/summary.html, summary.json"
	@echo "  Risk list    $(DEMO_OUT)/audit/risk_register.csv"
	@mkdir -p $(DEMO_OUT)/storm
	$(QGIS_PROCESS) run pipenet:stormcapacity -- $(DEMO_STORM) RETURN_PERIOD=3 \
	    OUTPUT_PIPES="$(DEMO_OUT)/storm/capacity.gpkg" OUTPUT_CATCHMENTS="$(DEMO_OUT)/storm/catchments.gpkg" \
	    OUTPUT_FINDINGS="$(DEMO_OUT)/storm/capacity_findings.gpkg" OUTPUT_MAP="$(DEMO_OUT)/storm/capacity.png" \
	    OUTPUT_PROJECT="$(DEMO_OUT)/storm/capacity.qgz"
	$(QGIS_PROCESS) run pipenet:stormsimulation -- $(DEMO_STORM) RETURN_PERIODS=3 \
	    OUTPUT_FOLDER="$(DEMO_OUT)/storm/simulation"
	@echo
	@echo "Storm capacity (GB 50014) and a 3-year storm run by EPA SWMM on the county's storm network:"
	@echo "  Capacity map $(DEMO_OUT)/storm/capacity.png   (pipes by the return period they carry)"
	@echo "  QGIS project $(DEMO_OUT)/storm/capacity.qgz"
	@echo "  Flood map    $(DEMO_OUT)/storm/simulation/simulation_map.png   (nodes flooding in the 3-year storm)"
	@echo "  QGIS project $(DEMO_OUT)/storm/simulation/simulation.qgz"
	@echo "  Flooded nodes $(DEMO_OUT)/storm/simulation/waterlogging_warnings.csv (.html with the map)"

styles: setup
	$(PY) -P scripts/export_styles.py

package: $(QM)
	@bash scripts/package.sh $(VERSION)

bench: setup
	$(PY) -P bench/run.py $(if $(BENCH_100X),,--skip-100x)
	$(PY) -P bench/monitoring.py
	$(PY) -P bench/storm.py --sizes $(if $(BENCH_100X),1$(,)100,1)
	$(PY) -P bench/partitioned.py --size 10 --partitions 4 --workers 2 --memory-limit 2GB

clean:
	rm -rf dist demo-output .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
