"""What differs between the Grafana releases the emulator models, as one profile per release.

The handlers never compare version strings: they ask the profile.  Every
field names the Grafana source it follows (ids are the search tool's file
versions, as in shared/grafana/VERSIONS.md; PR/issue numbers are grafana/grafana).

``LEGACY`` (``EmulatorConfig.grafana_version=None``) is the emulator's old,
*unfaithful* behaviour -- createdBy/updatedBy equal to the writer's login,
a version bump on every save, an atomic save, no ``/apis`` -- kept only
because gac's client does not handle the real releases yet.  To be removed
once gac handles 11/12/13.

Identity strings (``sa_names``: what ``createdBy``/``updatedBy`` show for a
write made with a service-account token; users always show their login):

* 11.6: ``getUserLogin`` -> ``userService.GetByID``, whose store filters
  ``is_service_account = false`` (ids 1881371248, 807049765, 209786345): the
  SA is not found -> "Anonymous" on dashboards, versions and folders
  (grafana#88400).
* 12.x: ``getIdentityName`` (PR grafana#98719; ids 18460509091, 63219136)
  returns the SA's *display name*; dashboard history rows written by an SA
  were stored with user id -1 until PR grafana#112300 (2025-10-10), so the
  versions list shows "Anonymous" (the older, harsher 12.x builds are modelled).
* 13.x: display name for dashboards and their versions (id 54134187646); the
  unified folder conversion resolves only ``user:`` identities (ids
  21389484194, 36313618), so SA-written folders show "Anonymous".
* 12.x/13.x unified storage: ``prepareObjectForStorage`` clears updatedBy on
  create (id 619988386) and the legacy conversion has no fallback (id
  22905854), so a freshly created dashboard shows updatedBy "Anonymous".

12.x storage: VERSIONS.md notes that 12 may still serve dashboards from
legacy SQL (dual-write mode; generation = SQL version, bumped on every save).
For dashboards the harsher case for a client is unified storage (generation
semantics, no updater on create), which is what "12.x" models; its folders are
served from legacy SQL, as a default 12.0-12.3 serves them (``folders_in_legacy_sql``),
where the annotations a client writes are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Surfaces on which an identity string is shown.
DASHBOARD, VERSION, FOLDER = "dashboard", "version", "folder"

#: How a service-account writer is shown: its login (legacy emulator), "Anonymous", or its display name.
LOGIN, ANONYMOUS, NAME = "login", "anonymous", "name"


@dataclass(frozen=True)
class VersionProfile:
    """Behaviour switches for one Grafana release (see the module docstring for sources)."""

    key: str
    #: ``/api/health`` and ``buildInfo`` version string.
    build: str
    #: Per surface (DASHBOARD, VERSION, FOLDER): LOGIN | ANONYMOUS | NAME for SA writers.
    sa_names: dict[str, str]
    #: SA login ``sa-<org>-<name>`` (``GenerateLogin``, id 799360626) instead of the old fixed "sa-gac".
    real_sa_login: bool
    #: 12+: ``version`` is the k8s generation, bumped only when spec/folder change (prepare.go, id 619988386).
    generation: bool
    #: 12+: create writes no updatedBy (prepareObjectForStorage).
    no_updater_on_create: bool
    #: 11.x re-checks the version inside the SQL transaction (database.go saveDashboard, ids 12116433,
    #: 12706378); 12+ checks then writes with Overwrite:true / no resourceVersion (ids 39746809, 8362559598,
    #: 54134187646): a racing save can slip in between.
    atomic_legacy_save: bool
    #: 12+: ``{"versions": [...], "continueToken": ""}`` with full ``data`` (ids 99626855, 54134187646).
    versions_list_object: bool
    #: How legacy ``GET /api/dashboards/uid/:uid`` answers for a v2-stored dashboard: "" (no v2 in 11),
    #: "406" (12.x, ids 18460509091, 205152580, 182288309), "convert" (13.x, ids 54134187646, 52974178872).
    v2_legacy_get: str
    #: 13.x ``saveDashboardViaK8s``: stale/missing version without overwrite -> 409 "Dashboard already
    #: exists. Use overwrite flag to update."; managed (manager annotations) with allowsEdits=false -> 400
    #: "Cannot save provisioned dashboard" (id 54134187646).  11/12: 412 version-mismatch.
    k8s_legacy_post: bool
    #: ``GET /apis`` groups -> served versions, preferred first (dashboards: ``GetGroupVersions``, 12.x id
    #: 3171411, 13.x id 52103125860 with dashboardNewLayouts on by default; folders: v1beta1 in 12 (id
    #: 3171411 imports folder/v1beta1), v1 + v1beta1 in 13 (apps/folder/pkg/apis/folder/v1)).
    apis: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: The v2 version Grafana's editor writes with dashboardNewLayouts on.
    v2_editor_version: str = ""
    #: 11.x: alert rule titles are unique per org and folder (the ``alert_rule`` unique index
    #: ``titleUniqueIndex``, tables.go id 338449342); ``DropTitleUniqueIndexMigration`` (registered in
    #: migrations.go, id 165894016; PR grafana#102067, in the 12.0.0 release notes, id 55218199402) drops
    #: it. Saves that would break it answer 400 (rule_titles.py).
    unique_rule_titles: bool = False
    #: the threshold evaluators the release's pkg/expr/threshold.go has (checked when a rule is saved):
    #: 11.x gt, lt, within_range, outside_range (id 383523878); 12.0 added gte, lte, eq, ne and the
    #: _included ranges (PR grafana#99516, id 274991636); None: not checked (the legacy emulator)
    threshold_types: frozenset[str] | None = None
    #: Folders served from Grafana's legacy SQL tables through ``/apis`` (the default of 12.0-12.3:
    #: ``[unified_storage.folders.folder.grafana.app] dualWriterMode`` defaults to 0,
    #: setting_unified_storage.go id 4776424022, and mode 0 is the legacy store, static.go id
    #: 22759134859; 12.4 migrates only instances of at most 10 folders and dashboards, id 14069058127;
    #: 13 forces unified storage, id 51866367614). The legacy store creates and updates a folder from
    #: its title, description and parent alone (pkg/registry/apis/folders/legacy_storage.go, ids
    #: 3519953246, 29962479): client annotations and labels are dropped, an update compares no
    #: ``resourceVersion`` (Overwrite), and ``resourceVersion`` is the update time in ms (conversions.go,
    #: id 389369637). Dashboards are still modelled in unified storage (the module docstring).
    folders_in_legacy_sql: bool = False
    #: Manager kinds ``ParseManagerKindString`` knows (utils/manager.go: ids 1044681822 [12.x], 54674999211
    #: [13.x adds grafana + classic-* shims]); any other value parses as "unknown" = not managed.
    manager_kinds: tuple[str, ...] = ()

    @property
    def legacy(self) -> bool:
        return self.key == "legacy"


DASHBOARD_GROUP = "dashboard.grafana.app"
FOLDER_GROUP = "folder.grafana.app"
THRESHOLDS_11 = frozenset({"gt", "lt", "within_range", "outside_range"})
THRESHOLDS_12 = THRESHOLDS_11 | {"gte", "lte", "eq", "ne", "within_range_included", "outside_range_included"}

LEGACY = VersionProfile(
    key="legacy", build="11.3.0", sa_names={DASHBOARD: LOGIN, VERSION: LOGIN, FOLDER: LOGIN},
    real_sa_login=False, generation=False, no_updater_on_create=False, atomic_legacy_save=True,
    versions_list_object=False, v2_legacy_get="", k8s_legacy_post=False, unique_rule_titles=True,
)

PROFILES: dict[str, VersionProfile] = {
    "11.6": VersionProfile(
        key="11.6", build="11.6.0", sa_names={DASHBOARD: ANONYMOUS, VERSION: ANONYMOUS, FOLDER: ANONYMOUS},
        real_sa_login=True, generation=False, no_updater_on_create=False, atomic_legacy_save=True,
        versions_list_object=False, v2_legacy_get="", k8s_legacy_post=False, unique_rule_titles=True,
        threshold_types=THRESHOLDS_11,
    ),
    "12.x": VersionProfile(
        key="12.x", build="12.3.0", sa_names={DASHBOARD: NAME, VERSION: ANONYMOUS, FOLDER: NAME},
        real_sa_login=True, generation=True, no_updater_on_create=True, atomic_legacy_save=False,
        versions_list_object=True, v2_legacy_get="406", k8s_legacy_post=False,
        apis={DASHBOARD_GROUP: ("v1beta1", "v0alpha1", "v2beta1", "v2alpha1"), FOLDER_GROUP: ("v1beta1",)},
        v2_editor_version="v2beta1", folders_in_legacy_sql=True,
        manager_kinds=("repo", "terraform", "kubectl", "plugin", "classic-file-provisioning"),
        threshold_types=THRESHOLDS_12,
    ),
    "13.x": VersionProfile(
        key="13.x", build="13.0.0", sa_names={DASHBOARD: NAME, VERSION: NAME, FOLDER: ANONYMOUS},
        real_sa_login=True, generation=True, no_updater_on_create=True, atomic_legacy_save=False,
        versions_list_object=True, v2_legacy_get="convert", k8s_legacy_post=True,
        apis={DASHBOARD_GROUP: ("v2", "v2beta1", "v2alpha1", "v0alpha1", "v1", "v1beta1"),
              FOLDER_GROUP: ("v1", "v1beta1")},
        v2_editor_version="v2",
        manager_kinds=("repo", "terraform", "kubectl", "plugin", "grafana", "classic-file-provisioning",
                       "classic-api-provisioning", "classic-converted-prometheus"),
        threshold_types=THRESHOLDS_12,
    ),
}

#: Accepted spellings of ``--grafana-version`` / ``EmulatorConfig.grafana_version``.
ALIASES = {"11": "11.6", "11.6": "11.6", "11.6.x": "11.6", "12": "12.x", "12.x": "12.x", "13": "13.x",
           "13.x": "13.x"}


def profile_for(version: str | None) -> VersionProfile:
    """The profile for a configured version (None = the legacy emulator)."""
    if version is None:
        return LEGACY
    try:
        return PROFILES[ALIASES[str(version)]]
    except KeyError:
        raise ValueError(f"unknown Grafana version {version!r}; use one of 11.6, 12.x, 13.x (or None)") from None
