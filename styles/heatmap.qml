<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis minScale="100000000" simplifyDrawingHints="1" simplifyLocal="1" symbologyReferenceScale="-1" simplifyAlgorithm="0" maxScale="0" simplifyDrawingTol="1" hasScaleBasedVisibilityFlag="0" styleCategories="AllStyleCategories" version="3.22.16-Białowieża" labelsEnabled="0" simplifyMaxScale="1" readOnly="0">
  <flags>
    <Identifiable>1</Identifiable>
    <Removable>1</Removable>
    <Searchable>1</Searchable>
    <Private>0</Private>
  </flags>
  <temporal limitMode="0" startExpression="" durationField="" enabled="0" durationUnit="min" accumulate="0" mode="0" startField="" endField="" endExpression="" fixedDuration="0">
    <fixedRange>
      <start></start>
      <end></end>
    </fixedRange>
  </temporal>
  <renderer-v2 max_value="0" radius_map_unit_scale="3x:0,0,0,0,0,0" radius="5" radius_unit="0" forceraster="0" enableorderby="0" symbollevels="0" quality="3" weight_expression="" type="heatmapRenderer" referencescale="-1">
    <colorramp type="gradient" name="[source]">
      <Option type="Map">
        <Option value="255,255,255,0" type="QString" name="color1"/>
        <Option value="63,0,125,255" type="QString" name="color2"/>
        <Option value="0" type="QString" name="discrete"/>
        <Option value="gradient" type="QString" name="rampType"/>
        <Option value="0.3;218,218,235,255:0.6;158,154,200,255" type="QString" name="stops"/>
      </Option>
      <prop k="color1" v="255,255,255,0"/>
      <prop k="color2" v="63,0,125,255"/>
      <prop k="discrete" v="0"/>
      <prop k="rampType" v="gradient"/>
      <prop k="stops" v="0.3;218,218,235,255:0.6;158,154,200,255"/>
    </colorramp>
  </renderer-v2>
  <customproperties>
    <Option/>
  </customproperties>
  <blendMode>0</blendMode>
  <featureBlendMode>0</featureBlendMode>
  <layerOpacity>1</layerOpacity>
  <geometryOptions removeDuplicateNodes="0" geometryPrecision="0">
    <activeChecks type="StringList">
      <Option value="" type="QString"/>
    </activeChecks>
    <checkConfiguration/>
  </geometryOptions>
  <legend showLabelLegend="0" type="default-vector"/>
  <referencedLayers/>
  <fieldConfiguration>
    <field configurationFlags="None" name="pn_system">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field configurationFlags="None" name="check">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field configurationFlags="None" name="severity">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field configurationFlags="None" name="pn_brk_cls">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field configurationFlags="None" name="pn_ovf_cls">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
    <field configurationFlags="None" name="pn_risk_cls">
      <editWidget type="">
        <config>
          <Option/>
        </config>
      </editWidget>
    </field>
  </fieldConfiguration>
  <aliases>
    <alias field="pn_system" index="0" name=""/>
    <alias field="check" index="1" name=""/>
    <alias field="severity" index="2" name=""/>
    <alias field="pn_brk_cls" index="3" name=""/>
    <alias field="pn_ovf_cls" index="4" name=""/>
    <alias field="pn_risk_cls" index="5" name=""/>
  </aliases>
  <defaults>
    <default applyOnUpdate="0" expression="" field="pn_system"/>
    <default applyOnUpdate="0" expression="" field="check"/>
    <default applyOnUpdate="0" expression="" field="severity"/>
    <default applyOnUpdate="0" expression="" field="pn_brk_cls"/>
    <default applyOnUpdate="0" expression="" field="pn_ovf_cls"/>
    <default applyOnUpdate="0" expression="" field="pn_risk_cls"/>
  </defaults>
  <constraints>
    <constraint notnull_strength="0" constraints="0" field="pn_system" exp_strength="0" unique_strength="0"/>
    <constraint notnull_strength="0" constraints="0" field="check" exp_strength="0" unique_strength="0"/>
    <constraint notnull_strength="0" constraints="0" field="severity" exp_strength="0" unique_strength="0"/>
    <constraint notnull_strength="0" constraints="0" field="pn_brk_cls" exp_strength="0" unique_strength="0"/>
    <constraint notnull_strength="0" constraints="0" field="pn_ovf_cls" exp_strength="0" unique_strength="0"/>
    <constraint notnull_strength="0" constraints="0" field="pn_risk_cls" exp_strength="0" unique_strength="0"/>
  </constraints>
  <constraintExpressions>
    <constraint desc="" exp="" field="pn_system"/>
    <constraint desc="" exp="" field="check"/>
    <constraint desc="" exp="" field="severity"/>
    <constraint desc="" exp="" field="pn_brk_cls"/>
    <constraint desc="" exp="" field="pn_ovf_cls"/>
    <constraint desc="" exp="" field="pn_risk_cls"/>
  </constraintExpressions>
  <expressionfields/>
  <attributeactions/>
  <attributetableconfig sortExpression="" sortOrder="0" actionWidgetStyle="dropDown">
    <columns/>
  </attributetableconfig>
  <conditionalstyles>
    <rowstyles/>
    <fieldstyles/>
  </conditionalstyles>
  <storedexpressions/>
  <editform tolerant="1"></editform>
  <editforminit/>
  <editforminitcodesource>0</editforminitcodesource>
  <editforminitfilepath></editforminitfilepath>
  <editforminitcode><![CDATA[]]></editforminitcode>
  <featformsuppress>0</featformsuppress>
  <editorlayout>generatedlayout</editorlayout>
  <editable/>
  <labelOnTop/>
  <reuseLastValue/>
  <dataDefinedFieldProperties/>
  <widgets/>
  <previewExpression></previewExpression>
  <mapTip></mapTip>
  <layerGeometryType>0</layerGeometryType>
</qgis>
