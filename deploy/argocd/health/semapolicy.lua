-- Argo CD health of a SemaPolicy or SemaQuota, read from the controller's status the way kstatus
-- does: a status for an older generation is Progressing; Stalled=True or Ready=False is Degraded
-- (Progressing while Reconciling=True); Ready=True is Healthy. Lua 5.1 (gopher-lua) compatible.
local hs = { status = "Progressing", message = "Waiting for the SemaMesh controller" }
if obj.status == nil then
  return hs
end
local generation = obj.metadata and obj.metadata.generation
local observed = obj.status.observedGeneration
if generation ~= nil and observed ~= nil and observed < generation then
  hs.message = "Waiting for the controller to observe generation " .. tostring(generation)
  return hs
end
local ready, stalled, reconciling
if obj.status.conditions ~= nil then
  for _, c in ipairs(obj.status.conditions) do
    if c.type == "Ready" then ready = c end
    if c.type == "Stalled" then stalled = c end
    if c.type == "Reconciling" then reconciling = c end
  end
end
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = stalled.message or stalled.reason or "Stalled"
  return hs
end
if ready == nil then
  return hs
end
if ready.status == "True" then
  hs.status = "Healthy"
  hs.message = ready.message or "Ready"
elseif reconciling ~= nil and reconciling.status == "True" then
  hs.message = reconciling.message or ready.message or "Reconciling"
elseif ready.status == "False" then
  hs.status = "Degraded"
  hs.message = ready.message or ready.reason or "Not ready"
else
  hs.message = ready.message or "Readiness unknown"
end
return hs
