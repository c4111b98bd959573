-- Argo CD health of a SemaIncident, from status.phase: Pending is Progressing (being frozen),
-- Paused is Suspended (an agent is frozen and waits for a human: `kubectl sema approve|terminate`),
-- Approved and Terminated are Healthy (resolved), Failed is Degraded. Lua 5.1 (gopher-lua) compatible.
local hs = { status = "Progressing", message = "Incident recorded, not yet handled" }
if obj.status == nil or obj.status.phase == nil then
  return hs
end
local phase = obj.status.phase
local who = ""
if obj.status.decidedBy ~= nil then
  who = " by " .. obj.status.decidedBy
end
if phase == "Pending" then
  hs.message = "Pausing the agent"
elseif phase == "Paused" then
  hs.status = "Suspended"
  hs.message = "Agent paused; approve or terminate with kubectl sema"
elseif phase == "Approved" then
  hs.status = "Healthy"
  hs.message = "Approved" .. who .. "; agent resumed"
elseif phase == "Terminated" then
  hs.status = "Healthy"
  hs.message = "Terminated" .. who .. "; evidence kept"
elseif phase == "Failed" then
  hs.status = "Degraded"
  hs.message = "The pause could not be carried out"
  if obj.status.conditions ~= nil then
    for _, c in ipairs(obj.status.conditions) do
      if c.type == "Ready" and c.message ~= nil and c.message ~= "" then hs.message = c.message end
    end
  end
else
  hs.status = "Unknown"
  hs.message = "Unknown phase " .. tostring(phase)
end
return hs
